import CastellanAuth
@testable import CastellanStore
import Foundation
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let full = """
        store: sqlite:data/castellan.db
        master_key_file: keys/master.key
        bridge:
          socket: run/castellan.sock
          decision_threads: 6
          decision_slice_us: 250
        ca:
          dir: /etc/castellan/ca
        supervision:
          spec: supervision.yaml
        admin:
          listen: http://127.0.0.1:8088
          token_file: admin.token
        totp:
          algorithm: SHA256
          digits: 8
          period: 60
          issuer: Acme
        lockout:
          threshold: 3
          base_delay: 2
          max_delay: 60
          hard_lock_after: 20
        rate_limit:
          connects_per_second: 2.5
          burst: 10
          trusted_proxies: ["10.0.0.0/8", "::1"]
          max_tracked_addresses: 500
        client_id_binding: prefix
        broker:
          tls_password_port: 9884
        """

    @Test func aFullFile_isReadWithRelativePathsAnchoredAtItsFolder() throws {
        let config = try ConfigurationLoader.parse(Self.full, file: "/srv/castellan/castellan.yaml")
        #expect(config.store == .sqlite(path: "/srv/castellan/data/castellan.db"))
        #expect(config.masterKeyFile == "/srv/castellan/keys/master.key")
        #expect(config.bridgeSocket == "/srv/castellan/run/castellan.sock")
        #expect(config.decisionThreads == 6)
        #expect(config.decisionSlice == .microseconds(250))
        #expect(config.caDirectory == "/etc/castellan/ca")
        #expect(config.supervisionSpec == "/srv/castellan/supervision.yaml")
        #expect(config.adminListen == .http(port: 8088))
        #expect(config.adminTokenFile == "/srv/castellan/admin.token")
        #expect(config.totp == TOTPDefaults(algorithm: .sha256, digits: 8, period: 60, issuer: "Acme"))
        #expect(config.lockout == (try LockoutPolicy(threshold: 3, baseDelay: 2, maxDelay: 60, hardLockAfter: 20)))
        #expect(config.rateLimit == (try RateLimitPolicy(connectsPerSecond: 2.5, burst: 10, trustedProxies: ["10.0.0.0/8", "::1"], maxTrackedAddresses: 500)))
        #expect(config.clientIDBinding == .prefix)
        #expect(config.tlsPasswordPort == 9884)
    }

    @Test func aMinimalFile_getsTheDocumentedDefaults() throws {
        let config = try ConfigurationLoader.parse("store: sqlite:c.db\nmaster_key_file: m.key\n", file: "/a/castellan.yaml")
        #expect(config.bridgeSocket == "/a/castellan.sock")
        #expect(config.decisionThreads == nil, "one per core, decided by the service")
        #expect(config.decisionSlice == nil, "the bridge's own default")
        #expect(config.caDirectory == "/a/certs")
        #expect(config.adminListen == .unix(path: "/a/admin.sock"))
        #expect(config.adminTokenFile == "/a/admin.token")
        #expect(config.totp == .standard)
        #expect(config.lockout == .default)
        #expect(config.rateLimit == .default)
        #expect(config.clientIDBinding == .equal)
        #expect(config.tlsPasswordPort == 8884)
        #expect(config.brokerCertificatePrefix == "/a/broker", "no certificate recorded: broker beside the file")
    }

    @Test func aDecisionSliceOfZero_keepsTheKernelsDefault() throws {
        let yaml = "store: sqlite:c.db\nmaster_key_file: m\nbridge:\n  decision_slice_us: 0\n"
        #expect(try ConfigurationLoader.parse(yaml, file: "/a/c.yaml").decisionSlice == .zero)
    }

    @Test func theLocator_prefersTheOption_thenTheVariable_thenTheWorkingDirectory() {
        let variables = ["CASTELLAN_CONFIG": "/env/c.yaml"]
        #expect(ConfigurationLocator.locate(option: "x.yaml", environment: variables, workingDirectory: "/w") == "/w/x.yaml")
        #expect(ConfigurationLocator.locate(option: nil, environment: variables, workingDirectory: "/w") == "/env/c.yaml")
        #expect(ConfigurationLocator.locate(option: nil, environment: [:], workingDirectory: "/w") == "/w/castellan.yaml")
    }

    /// Each case: the YAML, the line and key the error must name, and a fragment of its message.
    static let refusals: [(yaml: String, line: Int, key: String, fragment: String)] = [
        ("store: sqlite:c.db\nmaster_key_file: m\nstroe: x\n", 3, "stroe", "unknown key"),
        ("store: sqlite:c.db\nmaster_key_file: m\ntotp:\n  digits: 9\n", 4, "totp.digits", "out of range"),
        ("store: sqlite:c.db\nmaster_key_file: m\ntotp:\n  digts: 6\n", 4, "totp.digts", "unknown key"),
        ("store: sqlite:c.db\nmaster_key_file: m\ntotp:\n  algorithm: MD5\n", 4, "totp.algorithm", "SHA1"),
        ("store: sqlite:c.db\nmaster_key_file: m\ntotp:\n  period: soon\n", 4, "totp.period", "whole number"),
        ("store: sqlite:c.db\nmaster_key_file: m\nclient_id_binding: loose\n", 3, "client_id_binding", "equal, prefix or any"),
        ("store: sqlite:c.db\nmaster_key_file: m\nadmin:\n  listen: http://0.0.0.0:80\n", 4, "admin.listen", "http://127.0.0.1:PORT"),
        ("store: mysql://x\nmaster_key_file: m\n", 1, "store", "sqlite:PATH"),
        ("master_key_file: m\n", 1, "store", "missing required key"),
        ("store: sqlite:c.db\n", 1, "master_key_file", "missing required key"),
        ("store: sqlite:c.db\nmaster_key_file: m\nrate_limit:\n  trusted_proxies: 127.0.0.1\n", 4, "rate_limit.trusted_proxies", "expected a list"),
        ("store: sqlite:c.db\nmaster_key_file: m\nrate_limit:\n  trusted_proxies: [localhost]\n", 4, "rate_limit", "not an IP address"),
        ("store: sqlite:c.db\nmaster_key_file: m\nrate_limit:\n  connects_per_second: .inf\n", 4, "rate_limit.connects_per_second", "decimal"),
        ("store: sqlite:c.db\nmaster_key_file: m\nlockout:\n  threshold: 50\n  hard_lock_after: 10\n", 4, "lockout", "threshold"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbridge: here\n", 3, "bridge", "expected a mapping"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbroker:\n  tls_password_port: 70000\n", 4, "broker.tls_password_port", "out of range"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbroker:\n  tls_port: 8883\n", 4, "broker.tls_port", "unknown key"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbridge:\n  decision_threads: 0\n", 4, "bridge.decision_threads", "1 to 1024"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbridge:\n  decision_threads: all\n", 4, "bridge.decision_threads", "whole number"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbridge:\n  decision_slice_us: 50\n", 4, "bridge.decision_slice_us", "0 for the kernel's default, or 100 to 100000"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbridge:\n  decision_slice_us: 100001\n", 4, "bridge.decision_slice_us", "out of range"),
        ("store: sqlite:c.db\nmaster_key_file: m\nbridge:\n  decision_slice_us: 1ms\n", 4, "bridge.decision_slice_us", "whole number"),
        ("store: [a, b]\nmaster_key_file: m\n", 1, "store", "single value"),
        ("store: sqlite:c.db\nmaster_key_file: m\nstore: sqlite:d.db\n", 1, "", "duplicate key 'store'"),
        ("store: sqlite:c.db\n  master_key_file: m\n", 2, "", "YAML syntax error"),
        ("store: sqlite:c.db\nmaster_key_file: m\nest:\n  listen: 8443\n", 4, "est.listen", "HOST:PORT"),
        ("store: sqlite:c.db\nmaster_key_file: m\nest:\n  listen: 0.0.0.0:8443\n  validity_days: 0\n", 5, "est.validity_days", "out of range"),
        ("store: sqlite:c.db\nmaster_key_file: m\nest:\n  listen: 0.0.0.0:8443\n  lisen: x\n", 5, "est.lisen", "unknown key"),
    ]

    @Test func theESTSection_isOffByDefault_andReadWithItsDefaults() throws {
        #expect(try ConfigurationLoader.parse("store: sqlite:c.db\nmaster_key_file: m\n", file: "/a/c.yaml").est == nil)
        let yaml = "store: sqlite:c.db\nmaster_key_file: m\nest:\n  listen: \"[::]:8443\"\n  allow_same_key: true\n"
        let est = try #require(try ConfigurationLoader.parse(yaml, file: "/a/c.yaml").est)
        #expect(est == ESTSettings(host: "::", port: 8443, certificateFile: "/a/broker.pem", keyFile: "/a/broker.key",
                                   validityDays: 30, allowSameKey: true))
    }

    @Test(arguments: 0..<refusals.count)
    func aBadFile_isRefusedNamingFileLineAndKey(_ index: Int) throws {
        let (yaml, line, key, fragment) = Self.refusals[index]
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(yaml, file: "/cfg/castellan.yaml")
        }
        #expect(error?.file == "/cfg/castellan.yaml")
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.key == key, "\(String(describing: error))")
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("/cfg/castellan.yaml:\(line):") == true)
    }

    @Test func aMissingFile_isRefusedNamingTheFile() {
        let error = #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load("/nonexistent/castellan.yaml") }
        #expect(error?.description == "/nonexistent/castellan.yaml: no such file")
    }

    @Test func anEmptyFile_isRefused() {
        let error = #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("", file: "/c.yaml") }
        #expect(error?.message == "the file is empty")
    }

    @Test func aPostgresURL_isAcceptedByTheConfiguration_withItsPasswordRedacted() throws {
        let config = try ConfigurationLoader.parse("store: postgres://castellan:pw@localhost/castellan\nmaster_key_file: m\n", file: "/c.yaml")
        #expect(config.store.description == "postgres://castellan:***@localhost/castellan")
        #expect(config.store == .postgres(url: "postgres://castellan:pw@localhost/castellan"))
    }

    @Test func aMalformedPostgresURL_isRefusedWhenTheConfigurationLoads() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse("store: postgres://castellan@localhost/castellan?sslmode=sometimes\nmaster_key_file: m\n", file: "/c.yaml")
        }
        #expect(error?.description.contains("sslmode must be one of") == true, "\(String(describing: error))")
    }
}
