import ServerTesting
import Foundation
import SupervisionTesting
import Testing

/// `castellan client …` as a script sees it: exit codes and output, against a real mosquitto.
@Suite("castellan client command line", .enabled(if: FileManager.default.isExecutableFile(atPath: CastellanBinary.path)))
struct ClientCommandTests {
    static let binary = CastellanBinary.path

    private static func passwordBroker() async throws -> Broker {
        try await Broker.start(settings: ["allow_anonymous false", "password_file {dir}/passwords"]) { directory in
            let made = try await Tool.run("/usr/bin/mosquitto_passwd", ["-c", "-b", directory.appendingPathComponent("passwords").path,
                                                                   "device-7", "right horse"])
            guard made.status == 0 else { throw BrokerError(description: "mosquitto_passwd failed") }
        }
    }

    private func passwordFile(_ broker: Broker, _ name: String, _ contents: String) throws -> String {
        let url = broker.directory.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func client(_ broker: Broker, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let run = try await Tool.run(Self.binary, ["client"] + arguments.prefix(1) + ["--host", "127.0.0.1", "--port", "\(broker.port)"]
            + arguments.dropFirst())
        return (run.status, run.output)
    }

    @Test("connect exits 0 when accepted and 1 with the reason code when refused")
    func connect_exitCodes() async throws {
        let broker = try await Self.passwordBroker()
        defer { broker.stop() }
        let right = try passwordFile(broker, "right", "right horse\n")
        let wrong = try passwordFile(broker, "wrong", "wrong horse\n")
        #expect(try await client(broker, ["connect", "--username", "device-7", "--password-file", right]).status == 0)
        let refused = try await client(broker, ["connect", "--username", "device-7", "--password-file", wrong, "--json"])
        #expect(refused.status == 1)
        #expect(refused.output.contains("\"reason_code\":135"))
        let refused311 = try await client(broker, ["connect", "--protocol", "3.1.1", "--username", "device-7", "--password-file", wrong])
        #expect(refused311.status == 1)
        #expect(refused311.output.contains("0x05"))
    }

    @Test("a password file loses one trailing newline and nothing else")
    func passwordFile_losesOneNewlineOnly() async throws {
        let broker = try await Self.passwordBroker()
        defer { broker.stop() }
        let bare = try passwordFile(broker, "bare", "right horse")
        let trailingSpace = try passwordFile(broker, "space", "right horse \n")
        let twoNewlines = try passwordFile(broker, "two", "right horse\n\n")
        #expect(try await client(broker, ["connect", "--username", "device-7", "--password-file", bare]).status == 0)
        #expect(try await client(broker, ["connect", "--username", "device-7", "--password-file", trailingSpace]).status == 1)
        #expect(try await client(broker, ["connect", "--username", "device-7", "--password-file", twoNewlines]).status == 1)
    }

    @Test("usage errors and unreachable brokers exit 2")
    func errors_exit2() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        #expect(try await client(broker, ["connect", "--protocol", "7"]).status == 2)
        #expect(try await client(broker, ["connect", "--scram", "SCRAM-SHA-1"]).status == 2)
        #expect(try await client(broker, ["pub", "--topic", "t", "--message", "m", "--qos", "2"]).status == 2)
        #expect(try await Tool.run(Self.binary, ["client", "connect", "--host", "127.0.0.1", "--port", "1"]).status == 2)
    }

    @Test("pub with QoS 1 prints the PUBACK reason code, and sub prints what it receives")
    func pubAndSub_work() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let published = try await client(broker, ["pub", "--topic", "cli/t", "--message", "kept", "--qos", "1", "--retain", "--json"])
        #expect(published.status == 0)
        #expect(published.output == "{\"reason_code\":16,\"result\":\"published\"}\n")
        let received = try await client(broker, ["sub", "--topic", "cli/#", "--count", "1", "--json"])
        #expect(received.status == 0)
        #expect(received.output == "{\"payload\":\"kept\",\"qos\":0,\"retain\":true,\"topic\":\"cli/t\"}\n")
    }

    @Test("enrol takes a token that starts with a dash as the token, not as an option")
    func enrol_takesADashedToken() async throws {
        let directory = TemporaryDirectory()
        // Nothing listens on port 1: the command gets past its arguments and fails at the server.
        let enrol = try await Tool.run(Self.binary, ["client", "enrol", "--url", "https://127.0.0.1:1", "--device", "cam1",
                                                     "--token", "-dashed_token", "--out", directory.file("cam1")])
        #expect(enrol.status == 2)
        #expect(!enrol.error.contains("Missing value"), "\(enrol.error)")
        #expect(enrol.error.contains("127.0.0.1"), "\(enrol.error)")
    }

    @Test("load reports connects per second, p50, p99 and failures as one JSON line")
    func load_reportsJSON() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let load = try await client(broker, ["load", "--connections", "3", "--duration", "0.5", "--json"])
        #expect(load.status == 0)
        let lines = load.output.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(load.output.utf8)) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["connects", "seconds", "connects_per_s", "p50_us", "p99_us", "failures"])
        #expect((object?["failures"] as? Int) == 0)
        #expect(((object?["connects_per_s"] as? Double) ?? (object?["connects_per_s"] as? Int).map(Double.init) ?? 0) > 0)
    }
}

/// The `castellan` executable that `swift build --build-tests` puts next to the test bundle.
enum CastellanBinary {
    static let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("castellan").path
}
