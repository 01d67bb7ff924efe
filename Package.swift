// swift-tools-version: 6.1
import PackageDescription

// Swift 6 language mode (set below) brings complete strict concurrency checking.
let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Castellan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "castellan", targets: ["castellan"]),
        .library(name: "Supervision", targets: ["Supervision"]),
        .library(name: "CastellanAuth", targets: ["CastellanAuth"]),
        .library(name: "CastellanStore", targets: ["CastellanStore"]),
        .library(name: "CastellanCA", targets: ["CastellanCA"]),
        .library(name: "CastellanClient", targets: ["CastellanClient"]),
        .library(name: "CastellanBridge", targets: ["CastellanBridge"]),
        .library(name: "CastellanService", targets: ["CastellanService"]),
        .library(name: "CastellanFleet", targets: ["CastellanFleet"]),
        .library(name: "CastellanAdmin", targets: ["CastellanAdmin"]),
        .library(name: "CastellanChaos", targets: ["CastellanChaos"]),
        .library(name: "CastellanImport", targets: ["CastellanImport"]),
        .library(name: "CastellanEST", targets: ["CastellanEST"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    ],
    targets: [
        // Erlang/OTP supervision in Swift actors. Knows nothing of MQTT or auth.
        .target(
            name: "Supervision",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // Test support: a manual clock, scripted children, an event recorder, seeded randomness.
        .target(
            name: "SupervisionTesting",
            dependencies: ["Supervision"],
            swiftSettings: strict
        ),
        // Test support: real servers for tests — a mosquitto per test, one PostgreSQL per run.
        .target(
            name: "ServerTesting",
            dependencies: [
                "SupervisionTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Pure authentication decisions: no I/O, nothing of ours.
        // Imported argon2id hashes (mosquitto_passwd built with libargon2, mosquitto-go-auth) are
        // verified by the reference implementation, not a port of it.
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // Linux's per-thread scheduler slice, for the decision threads (header only: two inline functions).
        .systemLibrary(name: "CSchedulerSlice"),
        .target(
            name: "CastellanAuth",
            dependencies: [
                "CArgon2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        // Devices, credentials, rules, certificates and the audit trail, behind one async protocol.
        .target(
            name: "CastellanStore",
            dependencies: [
                "CastellanAuth",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The device certificate authority: keys, certificates, CSRs, CRLs, sealed credential bundles.
        .target(
            name: "CastellanCA",
            dependencies: [
                "CastellanAuth",
                "CastellanStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // The device SDK: an MQTT 5 / 3.1.1 client on SwiftNIO that speaks enhanced auth (SCRAM, TOTP) and mTLS.
        .target(
            name: "CastellanClient",
            dependencies: [
                "CastellanAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The service end of the bridge protocol: frames, the listener, one session per broker.
        .target(
            name: "CastellanBridge",
            dependencies: [
                "CSchedulerSlice",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The service: settings, the authenticator workers, the bridge's request handler, the tree.
        .target(
            name: "CastellanService",
            dependencies: [
                "Supervision",
                "CastellanAuth",
                "CastellanStore",
                "CastellanBridge",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strict
        ),
        // Device and certificate management: one implementation behind the CLI and the admin API.
        .target(
            name: "CastellanFleet",
            dependencies: [
                "CastellanAuth",
                "CastellanStore",
                "CastellanCA",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Taking a fleet over from mosquitto's password file, dynamic-security or mosquitto-go-auth:
        // readers that turn their files into an import plan, and the differences to show first.
        .target(
            name: "CastellanImport",
            dependencies: ["CastellanAuth", "CastellanStore"],
            swiftSettings: strict
        ),
        // The admin API: the supervision tree, its events, chaos kills, metrics and health over HTTP,
        // behind a bearer token, on a Unix socket or loopback TCP. Knows the service only through closures.
        .target(
            name: "CastellanAdmin",
            dependencies: [
                "Supervision",
                "CastellanAuth",
                "CastellanStore",
                "CastellanBridge",
                "CastellanFleet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The EST enrolment server (RFC 7030): devices enrol with a one-time token and renew with
        // their current certificate, over HTTPS beside the service. Acts through CastellanFleet.
        .target(
            name: "CastellanEST",
            dependencies: [
                "CastellanAuth",
                "CastellanStore",
                "CastellanCA",
                "CastellanFleet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The chaos runner's pure parts: scenarios, the invariants over what a run recorded, the report.
        .target(
            name: "CastellanChaos",
            dependencies: ["Supervision", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // The command line: every subcommand of `castellan`, thin wrappers over the libraries.
        .target(
            name: "CastellanCLI",
            dependencies: [
                "Supervision",
                "CastellanAuth",
                "CastellanStore",
                "CastellanCA",
                "CastellanClient",
                "CastellanBridge",
                "CastellanService",
                "CastellanAdmin",
                "CastellanFleet",
                "CastellanChaos",
                "CastellanImport",
                "CastellanEST",
                "QRCode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A QR code encoder (ISO/IEC 18004, byte mode) for otpauth:// URIs on a terminal.
        .target(name: "QRCode", swiftSettings: strict),
        // The executable: main.swift only.
        .executableTarget(name: "castellan", dependencies: ["CastellanCLI"], swiftSettings: strict),
        .testTarget(
            name: "CastellanBridgeTests",
            dependencies: [
                "CastellanBridge",
                "SupervisionTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanServiceTests",
            dependencies: [
                "CSchedulerSlice",
                "CastellanService",
                "CastellanFleet",
                "CastellanBridge",
                "CastellanStore",
                "CastellanCA",
                "CastellanAuth",
                "CastellanClient",
                "Supervision",
                "SupervisionTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanAdminTests",
            dependencies: [
                "CastellanAdmin",
                "CastellanService",
                "CastellanStore",
                "CastellanCA",
                "CastellanFleet",
                "CastellanAuth",
                "Supervision",
                "SupervisionTesting",
                "ServerTesting",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanFleetTests",
            dependencies: [
                "CastellanFleet",
                "CastellanStore",
                "CastellanCA",
                "CastellanAuth",
                "SupervisionTesting",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanCATests",
            dependencies: [
                "CastellanCA",
                "SupervisionTesting",
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanChaosTests",
            dependencies: ["CastellanChaos", "CastellanService", "Supervision", "SupervisionTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanCLITests",
            dependencies: ["CastellanCLI", "Supervision", "SupervisionTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanImportTests",
            dependencies: ["CastellanImport", "CastellanStore", "CastellanAuth", "SupervisionTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "QRCodeTests",
            dependencies: ["QRCode"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SupervisionTests",
            dependencies: ["Supervision", "SupervisionTesting", .product(name: "MetricsTestKit", package: "swift-metrics")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ServerTestingTests",
            dependencies: ["ServerTesting", "SupervisionTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanAuthTests",
            dependencies: [
                "CastellanAuth",
                "SupervisionTesting",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanStoreTests",
            dependencies: [
                "CastellanStore",
                "SupervisionTesting",
                "ServerTesting",
                "CastellanCLI",
                "QRCode",
                "CastellanAuth",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CastellanClientTests",
            dependencies: [
                "CastellanClient",
                "SupervisionTesting",
                "ServerTesting",
                "CastellanAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
