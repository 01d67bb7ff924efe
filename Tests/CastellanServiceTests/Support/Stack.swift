import CastellanAuth
import CastellanCA
import CastellanClient
import CastellanService
import CastellanStore
import Foundation
import ServerTesting
import SupervisionTesting

/// The whole product for one test: the service (in-process), a real mosquitto with the real
/// plugin on a plain, an mTLS and a TLS password listener, all on free loopback ports, written
/// by `MosquittoConf` for the broker's line (``Broker/executable``). Tests get one from
/// ``withStack(_:)`` or ``Fixtures/stack(service:socket:timeoutMilliseconds:)``, which stop it
/// however the test ends.
final class Stack: Sendable {
    let service: ServiceHarness
    let broker: Broker
    let serverPrefix: String
    /// The broker's line: 2.1 names the listener of each connection (SCRAM -PLUS), 2.0 cannot.
    let line: MosquittoConf.Version
    /// Whether this stack started its service (and so stops it too).
    private let ownsService: Bool

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// Built by `make plugin` (which `make test` runs first).
    static let plugin = repository + "/.build-plugin/castellan_mosquitto.so"

    var plainPort: Int { broker.ports[0] }
    var tlsPort: Int { broker.ports[1] }
    var tlsPasswordPort: Int { broker.ports[2] }

    /// - Parameter timeoutMilliseconds: the plugin's deadline. Generous by default: the service
    ///   under test is a debug build sharing one process (and its two cooperative threads, on a
    ///   2-core machine) with every other suite, some of which compute for seconds; these tests
    ///   check decisions, not speed (that is `make bench`'s job).
    init(service: ServiceHarness? = nil, socket: String? = nil, timeoutMilliseconds: Int = 20_000) async throws {
        guard FileManager.default.fileExists(atPath: Self.plugin) else {
            throw BrokerError(description: "\(Self.plugin) is missing: run `make plugin` (make test does)")
        }
        let owns = service == nil
        ownsService = owns
        let service = if let service { service } else { try await ServiceHarness() }
        self.service = service
        let prefix = service.directory.file("broker")
        serverPrefix = prefix
        do {
            try service.ca.issueServer(dns: ["localhost"], ips: ["127.0.0.1"]).write(prefix: prefix)
            let caFile = service.configuration.caDirectory + "/ca.pem"
            let bridgeSocket = socket ?? service.socket
            // `mosquitto -h` runs once per test process, off the cooperative pool.
            let version = MosquittoConf.Version(helpOutput: try await onThreadOfItsOwn { Broker.versionLine }) ?? .v2_0
            line = version
            broker = try await Broker.start(ports: 3) { _, ports in
                MosquittoConf(
                    plugin: Self.plugin, socket: bridgeSocket, brokerID: "e2e-broker", timeoutMilliseconds: timeoutMilliseconds,
                    user: "root", version: version,
                    listeners: [.init(.plain, port: ports[0], bind: "127.0.0.1"), .init(.clientCertificate, port: ports[1], bind: "127.0.0.1"),
                                .init(.password, port: ports[2], bind: "127.0.0.1")],
                    certificate: .init(caFile: caFile, prefix: prefix)
                ).lines.filter { !$0.hasPrefix("#") && !$0.hasPrefix("user ") && !$0.isEmpty }
            }
            // As deployed, SCRAM -PLUS is offered on the TLS password listener, bound to the
            // broker certificate just issued: castellan.yaml names the port, read on reload.
            // (A service shared by several stacks keeps the first one's: it has one such port.)
            if service.server.context.settings.configuration.tlsPasswordPort == CastellanConfiguration.defaultTLSPasswordPort {
                let port = broker.ports[2]
                try service.reconfigure {
                    $0.replacingOccurrences(of: "tls_password_port: \(CastellanConfiguration.defaultTLSPasswordPort)", with: "tls_password_port: \(port)")
                }
            }
        } catch {
            if owns { try? await service.stop() }
            throw error
        }
        // The plugin connects at start; a connect before its HELLO_ACK would wait for it, but
        // tests that count the service's requests start from a settled link.
        if socket == nil && service.server.context.bridge.isReady { await service.server.context.brokerConnected.wait() }
    }

    /// Stops the broker, and the service if this stack started it. Idempotent.
    func stop() async throws {
        broker.stop()
        if ownsService { try await service.stop() }
    }

    /// A client of the plain listener.
    /// - Parameter localAddress: the loopback address to connect from (`127.0.0.2` …), so a
    ///   test can play clients on different addresses; the system's choice when `nil`.
    func client(_ clientID: String, username: String? = nil, password: String? = nil,
                version: MQTTProtocolVersion = .v5, authentication: MQTTAuthentication? = nil,
                localAddress: String? = nil) -> MQTTClient {
        var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: plainPort)
        configuration.localAddress = localAddress
        configuration.clientID = clientID
        configuration.username = username
        configuration.password = password
        configuration.protocolVersion = version
        configuration.authentication = authentication
        configuration.timeout = .seconds(60)
        return MQTTClient(configuration: configuration)
    }

    /// A client of the TLS password listener (the broker's certificate only), or with
    /// `port` another TLS listener, presenting no certificate.
    func tlsClient(_ clientID: String, username: String? = nil, password: String? = nil, authentication: MQTTAuthentication? = nil,
                   port: Int? = nil) -> MQTTClient {
        var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: port ?? tlsPasswordPort)
        configuration.clientID = clientID
        configuration.username = username
        configuration.password = password
        configuration.authentication = authentication
        configuration.tls = MQTTTLSConfiguration(caFile: service.configuration.caDirectory + "/ca.pem", serverHostname: "localhost")
        configuration.timeout = .seconds(60)
        return MQTTClient(configuration: configuration)
    }

    /// A client of the mTLS listener presenting `certificate` (written to files first).
    func certificateClient(_ clientID: String, certificate: IssuedCertificate, username: String? = nil,
                           localAddress: String? = nil) throws -> MQTTClient {
        let prefix = service.directory.file("client-\(UUID().uuidString)")
        try certificate.write(prefix: prefix)
        var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: tlsPort)
        configuration.localAddress = localAddress
        configuration.clientID = clientID
        configuration.username = username
        configuration.tls = MQTTTLSConfiguration(caFile: service.configuration.caDirectory + "/ca.pem",
                                                 certificateFile: prefix + ".pem", privateKeyFile: prefix + ".key",
                                                 serverHostname: "localhost")
        configuration.timeout = .seconds(60)
        return MQTTClient(configuration: configuration)
    }
}

/// How a test device proves it knows its password: in CONNECT (policy `password`), or by SCRAM
/// (policy `scram`, MQTT 5 enhanced authentication).
enum PasswordProof: String, CaseIterable, Sendable {
    case password, scram

    var policy: AuthFactors { self == .password ? .password : .scram }
}

extension Stack {
    /// A client of the plain listener for `device`, proving `password` the `proof` way.
    func client(_ device: String, proving password: String, by proof: PasswordProof, clientID: String? = nil,
                localAddress: String? = nil) -> MQTTClient {
        switch proof {
        case .password: client(clientID ?? device, username: device, password: password, localAddress: localAddress)
        case .scram: client(clientID ?? device, authentication: .scram(.sha256, username: device, password: password), localAddress: localAddress)
        }
    }
}

extension MQTTClient {
    /// The CONNACK reason code: 0 for success, the refusal's code otherwise.
    func connectCode() async -> MQTTReasonCode? {
        do { return try await connect().reasonCode } catch { return error.reasonCode }
    }

    /// Returns once the broker has closed the connection (the message stream ends).
    func waitUntilDisconnected() async {
        for await _ in messages {}
    }
}
