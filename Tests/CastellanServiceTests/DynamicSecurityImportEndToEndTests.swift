import CastellanClient
import Foundation
import ServerTesting
import Testing

/// A dynamic-security configuration built with `mosquitto_ctrl dynsec` against a real broker
/// running the plugin, imported into Castellan: every publish and subscription is decided as
/// dynamic-security decided it, except those the dry run listed as changing meaning.
@Suite struct DynamicSecurityImportEndToEndTests {
    static let plugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"

    /// One operation to decide: who, what, where.
    struct Probe: Sendable, CustomStringConvertible {
        enum Kind: String, Sendable { case publish, subscribe }
        let user: String
        let kind: Kind
        let topic: String
        var description: String { "\(user) \(kind.rawValue) \(topic)" }
    }

    static let passwords = ["dev1": "dev1-password", "dev2": "dev2-password"]
    static let probes: [Probe] = [
        Probe(user: "dev1", kind: .publish, topic: "sensors/a"),
        Probe(user: "dev1", kind: .publish, topic: "sensors/secret"),   // allow (priority 10) outranks deny (1)
        Probe(user: "dev1", kind: .publish, topic: "alerts/fire"),      // deny (5) outranks allow (1): deny both ways
        Probe(user: "dev1", kind: .publish, topic: "alerts/smoke"),
        Probe(user: "dev1", kind: .publish, topic: "other/x"),
        Probe(user: "dev1", kind: .publish, topic: "devices/dev1/x"),   // Castellan's built-in rule
        Probe(user: "dev1", kind: .subscribe, topic: "sensors/#"),
        Probe(user: "dev1", kind: .subscribe, topic: "other/#"),
        Probe(user: "dev2", kind: .publish, topic: "sensors/a"),
        Probe(user: "dev2", kind: .subscribe, topic: "sensors/+"),
        Probe(user: "dev2", kind: .subscribe, topic: "alerts/#"),
    ]

    /// Each probe on a fresh connection as its user; `true` when the broker allowed it.
    static func decide(_ probes: [Probe], client: (String) -> MQTTClient) async throws -> [Bool] {
        var decisions: [Bool] = []
        for probe in probes {
            let connection = client(probe.user)
            let code = try await connection.connect().reasonCode
            try #require(code == .success, "\(probe.user) could not log in: \(code)")
            switch probe.kind {
            case .publish:
                decisions.append(try await connection.publish(topic: probe.topic, payload: Array("x".utf8), qos: .atLeastOnce) != .notAuthorized)
            case .subscribe:
                decisions.append(try await connection.subscribe(to: probe.topic, qos: .atLeastOnce).rawValue < 0x80)
            }
            await connection.disconnect()
        }
        return decisions
    }

    @Test func aConfigurationBuiltWithMosquittoCtrl_decidesTheSameInCastellan_exceptWhatTheDryRunListed() async throws {
        guard FileManager.default.fileExists(atPath: Self.plugin), Broker.executable == "/usr/sbin/mosquitto",
              MosquittoTools.available("mosquitto_ctrl", in: MosquittoTools.debian) else {
            print("skipping: needs Debian's mosquitto with \(Self.plugin) and mosquitto_ctrl")
            return
        }
        let broker = try await Broker.start(settings: [
            "allow_anonymous false", "plugin \(Self.plugin)", "plugin_opt_config_file {dir}/dynamic-security.json",
        ]) { directory in
            let made = try await MosquittoTools.run("mosquitto_ctrl", ["dynsec", "init", directory.path + "/dynamic-security.json", "admin", "admin-password"])
            try #require(made.status == 0, "\(made.output)\(made.error)")
        }
        let json: String
        let dynsec: [Bool]
        do {
            func ctrl(_ arguments: String...) async throws {
                let result = try await MosquittoTools.run(
                    "mosquitto_ctrl", ["-h", "127.0.0.1", "-p", "\(broker.port)", "-u", "admin", "-P", "admin-password", "dynsec"] + arguments)
                try #require(result.status == 0, "mosquitto_ctrl dynsec \(arguments): \(result.output)\(result.error)")
            }
            try await ctrl("createClient", "dev1", "-p", Self.passwords["dev1"]!)
            try await ctrl("createClient", "dev2", "-p", Self.passwords["dev2"]!)
            try await ctrl("createClient", "dev3", "-p", "dev3-password")
            // A client bound to a client id other than its username (dynsec's `clientid`).
            try await ctrl("createClient", "gw4", "-c", "gw4-ctl", "-p", "gw4-password")
            try await ctrl("disableClient", "dev3")
            try await ctrl("createRole", "sensor")
            try await ctrl("addRoleACL", "sensor", "publishClientSend", "sensors/#", "allow", "10")
            try await ctrl("addRoleACL", "sensor", "publishClientSend", "sensors/secret", "deny", "1")
            try await ctrl("addRoleACL", "sensor", "publishClientSend", "alerts/#", "deny", "5")
            try await ctrl("addRoleACL", "sensor", "publishClientSend", "alerts/fire", "allow", "1")
            try await ctrl("addClientRole", "dev1", "sensor")
            try await ctrl("createRole", "reader")
            try await ctrl("addRoleACL", "reader", "subscribePattern", "sensors/#", "allow")
            try await ctrl("addRoleACL", "reader", "publishClientSend", "sensors/+", "allow")
            try await ctrl("createGroup", "sensors")
            try await ctrl("addGroupRole", "sensors", "reader")
            try await ctrl("addGroupClient", "sensors", "dev1")
            try await ctrl("addGroupClient", "sensors", "dev2")
            dynsec = try await Self.decide(Self.probes) { user in
                var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
                configuration.clientID = user
                configuration.username = user
                configuration.password = Self.passwords[user]
                return MQTTClient(configuration: configuration)
            }
            func gw4(_ clientID: String) async -> MQTTReasonCode? {
                var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
                configuration.clientID = clientID
                configuration.username = "gw4"
                configuration.password = "gw4-password"
                let client = MQTTClient(configuration: configuration)
                let code = await client.connectCode()
                await client.disconnect()
                return code
            }
            try #require(await gw4("gw4-ctl") == .success, "dynamic-security refused gw4 with its own client id")
            try #require(await gw4("gw4") != .success, "dynamic-security let gw4 in with another client id")
            json = try String(contentsOf: broker.directory.appendingPathComponent("dynamic-security.json"), encoding: .utf8)
            broker.stop()
        } catch {
            broker.stop()
            throw error
        }
        #expect(json.contains("\"salt\"") && json.contains("\"iterations\""), "2.0's dynamic-security stores salt, password, iterations")

        try await withFixtures { fixtures in
            let setup = try await fixtures.service()
            try await setup.stop()
            let file = setup.directory.file("dynamic-security.json")
            try json.write(toFile: file, atomically: true, encoding: .utf8)
            let dry = try await CLIProcess.run(["import", "dynsec", file, "--dry-run"], config: setup.configuration.file)
            try #require(dry.status == 0, "\(dry.error)")
            #expect(dry.output.contains("device gw4: password mosquitto-pbkdf2-sha512 (101 iterations), client id bound to gw4-ctl\n"), "\(dry.output)")
            #expect(!dry.output.contains("already in the store"), "\(dry.output)")
            #expect(!dry.output.split(separator: "\n").contains { $0.hasPrefix("changes ") && $0.contains("gw4") }, "\(dry.output)")
            let imported = try await CLIProcess.run(["import", "dynsec", file], config: setup.configuration.file)
            try #require(imported.status == 0, "\(imported.error)")
            let again = try await CLIProcess.run(["import", "dynsec", file, "--dry-run"], config: setup.configuration.file)
            #expect(again.output.contains("client id bound to gw4-ctl — already in the store: kept as it is"), "\(again.output)")
            #expect(imported.output.contains("device dev3: password mosquitto-pbkdf2-sha512 (101 iterations) (disabled)"))
            _ = try await fixtures.serve(configuration: setup.configuration.file)
            let stack = try await fixtures.stack(service: setup, timeoutMilliseconds: 5_000)
            var ready = false
            for _ in 0..<100 where !ready {
                ready = await stack.client("dev2", username: "dev2", password: Self.passwords["dev2"]).connectCode() == .success
            }
            try #require(ready, "dev2 never got in with its dynamic-security password")
            #expect(await stack.client("gw4-ctl", username: "gw4", password: "gw4-password").connectCode() == .success,
                    "gw4 connects with its dynamic-security client id")
            #expect(await stack.client("gw4", username: "gw4", password: "gw4-password").connectCode() != .success,
                    "and with no other, not even its username")

            let castellan = try await Self.decide(Self.probes) { user in
                stack.client(user, username: user, password: Self.passwords[user])
            }
            let changes = dry.output.split(separator: "\n").filter { $0.hasPrefix("changes ") }
            var differing: [String] = []
            for (index, probe) in Self.probes.enumerated() where dynsec[index] != castellan[index] {
                differing.append(probe.description)
                let listed = changes.contains { line in
                    line.contains("device '\(probe.user)'") && line.contains("'\(probe.topic)'")
                        || (probe.topic.hasPrefix("devices/\(probe.user)/") && line.contains("devices/<its id>/#"))
                }
                #expect(listed, "\(probe) was \(dynsec[index] ? "allowed" : "refused") by dynamic-security and not by Castellan, but the dry run did not list it")
            }
            #expect(differing == ["dev1 publish sensors/secret", "dev1 publish devices/dev1/x"], "\(differing)")
            let disabled = stack.client("dev3", username: "dev3", password: "dev3-password")
            #expect(await disabled.connectCode() != .success, "a disabled client stays disabled")
        }
    }
}
