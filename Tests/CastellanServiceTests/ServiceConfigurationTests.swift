import CastellanAuth
import CastellanBridge
@testable import CastellanService
import CastellanStore
import Foundation
import Supervision
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
            timeoutMilliseconds: 10, user: "mosquitto", bind: nil, port: 1883,
            tls: MosquittoConf.TLS(port: 8883, caFile: "/etc/castellan/certs/ca.pem", certificateFile: "/etc/castellan/broker.pem",
                                   keyFile: "/etc/castellan/broker.key"))
        let lines = Set(conf.lines)
        for expected in ["per_listener_settings false", "allow_anonymous false", "require_certificate true",
                         "use_identity_as_username false", "set_tcp_nodelay true", "user mosquitto", "listener 1883", "listener 8883",
                         "plugin /usr/lib/castellan/castellan_mosquitto.so", "plugin_opt_socket /run/castellan/castellan.sock",
                         "plugin_opt_timeout_ms 10", "plugin_opt_broker_id b1"] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        #expect(conf.lines.filter { $0 == "set_tcp_nodelay true" }.count == 2)
        for line in conf.lines where line.hasPrefix("cafile") || line.hasPrefix("certfile") || line.hasPrefix("keyfile") {
            #expect(line.split(separator: " ")[1].hasPrefix("/"))
        }
    }
}
