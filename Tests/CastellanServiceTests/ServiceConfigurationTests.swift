import CastellanAuth
import CastellanBridge
@testable import CastellanService
import CastellanStore
import Foundation
import Supervision
import SupervisionTesting
import Testing

@Suite struct ServiceConfigurationTests {
    @Test func builtInSpec_isSupervisionCastellanYAML_andLoads() throws {
        let file = Stack.repository + "/supervision/castellan.yaml"
        #expect(try String(contentsOfFile: file, encoding: .utf8) == DefaultServiceSpec.yaml)
        let spec = try SupervisionSpecLoader(workerTypes: ServiceWorkerTypes.names).load(contentsOf: file)
        #expect(spec.renderTree().contains("listener"))
    }

    @Test func reload_putsANewBindingInForce_andRefusesABadFileKeepingTheRunningOne() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("pw-pw-pw-pw", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, client: "dev1/sensor", username: "dev1", password: "pw-pw-pw-pw")) == .deny)

            let file = service.configuration.file
            let original = try String(contentsOfFile: file, encoding: .utf8)
            try original.replacingOccurrences(of: "client_id_binding: equal", with: "client_id_binding: prefix")
                .write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try service.server.reload().isEmpty)
            #expect(try await plugin.decide(.password(2, client: "dev1/sensor", username: "dev1", password: "pw-pw-pw-pw")).result == .allow)

            try (original + "\nno_such_key: 1\n").write(toFile: file, atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationError.self) { try service.server.reload() }
            #expect(service.server.context.settings.identityCheck.binding == .prefix)
            #expect(try await plugin.decide(.password(3, client: "dev1/sensor", username: "dev1", password: "pw-pw-pw-pw")).result == .allow)

            // The decision threads are made at start: a reload says a change to them needs a restart.
            try original.replacingOccurrences(of: "# decision_slice_us: 100", with: "decision_slice_us: 0")
                .write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try service.server.reload() == ["bridge.decision_slice_us changed: takes effect after a restart"])
        }
    }

    @Test func aSecondService_refusesTheSocketALiveOneHolds() async throws {
        try await withService { service in
            await #expect(throws: BridgeSocketError.inUse(service.socket)) {
                _ = try await CastellanServer(configuration: service.configuration, logger: .init(label: "second"))
            }
            #expect(BridgeSocket.listenerProcessID(path: service.socket) == getpid())
        }
    }

    @Test func mosquittoConf_writesEveryHardeningLine_withAbsolutePaths() {
        let conf = MosquittoConf(
            plugin: "/usr/lib/castellan/castellan_mosquitto.so", socket: "/run/castellan/castellan.sock", brokerID: "b1",
            timeoutMilliseconds: 10, user: "mosquitto",
            listeners: [.init(.plain, port: 1883, bind: "127.0.0.1"), .init(.clientCertificate, port: 8883, bind: nil),
                        .init(.password, port: 8884, bind: nil)],
            certificate: .init(caFile: "/etc/castellan/certs/ca.pem", prefix: "/etc/castellan/broker"))
        let lines = Set(conf.lines)
        for expected in ["per_listener_settings false", "allow_anonymous false", "require_certificate true", "require_certificate false",
                         "use_identity_as_username false", "set_tcp_nodelay true", "user mosquitto", "listener 1883 127.0.0.1",
                         "listener 8883", "listener 8884", "certfile /etc/castellan/broker.pem", "keyfile /etc/castellan/broker.key",
                         "plugin /usr/lib/castellan/castellan_mosquitto.so", "plugin_opt_socket /run/castellan/castellan.sock",
                         "plugin_opt_timeout_ms 10", "plugin_opt_broker_id b1"] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        #expect(conf.lines.filter { $0 == "set_tcp_nodelay true" }.count == 3)
        #expect(conf.lines.filter { $0.hasPrefix("cafile ") }.count == 1, "only the mTLS listener verifies client certificates")
        for line in conf.lines where line.hasPrefix("cafile") || line.hasPrefix("certfile") || line.hasPrefix("keyfile") {
            #expect(line.split(separator: " ")[1].hasPrefix("/"))
        }
    }

    @Test func mosquittoConf_for21_hasNoDeprecatedOption_andLoadsTheGlobalPlugin() {
        let conf = MosquittoConf(
            plugin: "/p.so", socket: "/s.sock", brokerID: "b1", timeoutMilliseconds: 10, user: "mosquitto", version: .v2_1,
            listeners: [.init(.plain, port: 1883, bind: "127.0.0.1")], certificate: nil)
        #expect(!conf.lines.contains { $0.hasPrefix("per_listener_settings") || $0.hasPrefix("plugin ") })
        #expect(conf.lines.contains("global_plugin /p.so") && conf.lines.contains("plugin_opt_socket /s.sock"))
        #expect(MosquittoConf.Version(helpOutput: "mosquitto version 2.1.2\n\nUsage: …") == .v2_1)
        #expect(MosquittoConf.Version(helpOutput: "mosquitto version 2.0.11\n") == .v2_0)
        #expect(MosquittoConf.Version(helpOutput: "mosquitto version 3.0.0\n") == .v2_1)
        #expect(MosquittoConf.Version(helpOutput: "command not found") == nil)
    }

    /// `castellan mosquitto-conf` as an operator runs it, after `castellan cert server --out PREFIX`.
    @Test func mosquittoConfCommand_usesTheRecordedCertificate_keepsPlainTCPLocal_andNeverRunsAsRoot() async throws {
        let folder = TemporaryDirectory()
        let config = folder.file("setup/castellan.yaml")
        #expect(try await castellan(["init", "--dir", folder.file("setup")]).status == 0)
        #expect(try await castellan(["ca", "init", "--config", config]).status == 0)
        #expect(try await castellan(["cert", "server", "--dns", "localhost", "--out", folder.file("srv"), "--config", config]).status == 0)
        let plugin = folder.file("castellan_mosquitto.so")
        _ = FileManager.default.createFile(atPath: plugin, contents: Data())
        let made = try await castellan(["mosquitto-conf", "--config", config, "--plugin", plugin, "--mosquitto-version", "2.0"])
        #expect(made.status == 0, "\(made.error)")
        let lines = made.output.split(separator: "\n").map(String.init)
        for expected in ["listener 1883 127.0.0.1", "listener 8883", "listener 8884", "certfile \(folder.file("srv")).pem",
                         "keyfile \(folder.file("srv")).key"] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        let user = lines.first { $0.hasPrefix("user ") }
        #expect(user != nil && user != "user root")
        let bound = try await castellan(["mosquitto-conf", "--config", config, "--plugin", plugin, "--bind", "10.0.0.5", "--tls-port", "0"])
        #expect(bound.status == 0 && bound.output.contains("listener 1883 10.0.0.5\n") && !bound.output.contains("listener 8883"))
        let none = try await castellan(["mosquitto-conf", "--config", config, "--plugin", plugin, "--port", "0", "--tls-port", "0",
                                        "--tls-password-port", "0"])
        #expect(none.status != 0 && none.error.contains("keep at least one"), "\(none.error)")
        let clash = try await castellan(["mosquitto-conf", "--config", config, "--plugin", plugin, "--tls-password-port", "8883"])
        #expect(clash.status != 0 && clash.error.contains("--tls-password-port must differ from --tls-port"), "\(clash.error)")
        // The TLS password listener is where the service offers SCRAM -PLUS: its port comes from
        // castellan.yaml, and another one is refused rather than silently failing every -PLUS device.
        let elsewhere = try await castellan(["mosquitto-conf", "--config", config, "--plugin", plugin, "--tls-password-port", "9884"])
        #expect(elsewhere.status != 0 && elsewhere.error.contains("broker.tls_password_port (8884)"), "\(elsewhere.error)")
        try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "tls_password_port: 8884", with: "tls_password_port: 9884")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let moved = try await castellan(["mosquitto-conf", "--config", config, "--plugin", plugin, "--mosquitto-version", "2.1"])
        #expect(moved.status == 0 && moved.output.contains("listener 9884\n"), "\(moved.error)")
    }

    /// Runs the built `castellan` to its end, on a thread of its own.
    private func castellan(_ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
        try await onThreadOfItsOwn {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ServeProcess.executable)
            process.arguments = arguments
            let output = Pipe(), error = Pipe()
            process.standardOutput = output
            process.standardError = error
            try launch(process)
            let out = readToEnd(output.fileHandleForReading)
            let err = readToEnd(error.fileHandleForReading)
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        }
    }
}
