import SupervisionTesting
import CastellanAuth
import CastellanStore
import Foundation
import Testing

@Suite("CLI: acl, audit and key")
struct CLIACLAuditKeyTests {
    @Test func aclAddListRemove_perDeviceAndGroup() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "cert", "--group", "fleet"])
        let first = await fixture.run(["acl", "add", "--device", "d", "allow", "publish", "devices/%u/#"])
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.hasPrefix("added rule 1:"))
        #expect(await fixture.run(["acl", "add", "--group", "fleet", "deny", "all", "fleet/private/#"]).status == 0)
        let all = await fixture.run(["acl", "list"])
        #expect(all.output == """
            ID\tSCOPE\tEFFECT\tACCESS\tPATTERN
            1\tdevice d\tallow\tpublish\tdevices/%u/#
            2\tgroup fleet\tdeny\tall\tfleet/private/#

            """)
        let json = await fixture.run(["acl", "list", "--group", "fleet", "--json"])
        let rules = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [[String: Any]]
        #expect(rules.map { $0["id"] as? Int } == [2])
        #expect(try await fixture.openStore().effectiveRules(device: DeviceID("d")).count == 2)
        #expect(await fixture.run(["acl", "remove", "1"]).status == 0)
        #expect(try await fixture.openStore().rules(scope: nil).map(\.id) == [2])
    }

    static let aclRefusals: [(arguments: [String], status: Int32, fragment: String)] = [
        (["acl", "add", "--device", "ghost", "allow", "publish", "a/b"], 1, "unknown device 'ghost'"),
        (["acl", "add", "--device", "d", "allow", "publish", "a/#/b"], 1, "invalid pattern"),
        (["acl", "add", "--device", "d", "allow", "publish", "a/b+"], 1, "invalid pattern"),
        (["acl", "add", "--device", "d", "permit", "publish", "a/b"], 2, "allow or deny"),
        (["acl", "add", "--device", "d", "allow", "write", "a/b"], 2, "publish, subscribe, receive or all"),
        (["acl", "add", "allow", "publish", "a/b"], 2, "one of --device ID and --group G"),
        (["acl", "add", "--device", "d", "--group", "g", "allow", "publish", "a/b"], 2, "only one"),
        (["acl", "list", "--device", "d", "--group", "g"], 2, "only one"),
        (["acl", "remove", "99"], 1, "unknown ACL rule 99"),
        (["acl", "remove", "one"], 2, "whole number"),
    ]

    @Test(arguments: 0..<aclRefusals.count)
    func badAclCommands_failAndWriteNothing(_ index: Int) async throws {
        let (arguments, status, fragment) = Self.aclRefusals[index]
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "cert"])
        _ = await fixture.run(["acl", "add", "--device", "d", "allow", "all", "x/#"])
        let before = try await fixture.snapshot()
        let result = await fixture.run(arguments)
        #expect(result.status == status, "\(arguments): \(result.error)")
        #expect(result.error.contains(fragment), "\(result.error)")
        #expect(try await fixture.snapshot() == before)
    }

    @Test func auditTail_printsTheNewestEntries_asTextOrJSONLines() async throws {
        let fixture = try await CLIFixture()
        let store = try fixture.openStore()
        try await store.appendAudit((1...30).map {
            AuditEntry(time: Int64($0) * 1000, identity: "d\($0)", clientID: "c", address: "10.0.0.1", method: "scram", result: "allow", brokerID: "b")
        })
        let text = await fixture.run(["audit", "tail", "-n", "2"])
        #expect(text.status == 0, "\(text.error)")
        let lines = text.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("allow scram identity=d29 client=c address=10.0.0.1 broker=b"))
        let json = await fixture.run(["audit", "tail", "--json"])
        let objects = json.output.split(separator: "\n")
        #expect(objects.count == 20)
        let last = try JSONDecoder().decode(AuditEntry.self, from: Data(objects.last!.utf8))
        #expect(last.identity == "d30")
        #expect(await fixture.run(["audit", "tail", "-n", "lots"]).status == 2)
    }

    @Test func auditTail_printsTheRealDate_ofAnEntry() async throws {
        let fixture = try await CLIFixture()
        let when = Date(timeIntervalSince1970: 1_700_000_000.5)
        #expect(AuditEntry.time(of: when) == 1_700_000_000_500, "milliseconds")
        try await fixture.openStore().appendAudit([
            AuditEntry(time: AuditEntry.time(of: when), identity: "pump-7", method: "SCRAM-SHA-256", result: "deny", reason: "bad_credentials: x"),
        ])
        let text = await fixture.run(["audit", "tail", "-n", "1"])
        #expect(text.output.hasPrefix("2023-11-14T22:13:20.500Z deny SCRAM-SHA-256 identity=pump-7"), "\(text.output)")
        let json = await fixture.run(["audit", "tail", "-n", "1", "--json"])
        #expect(try JSONDecoder().decode(AuditEntry.self, from: Data(json.output.utf8)).date == when)
    }

    @Test func keyRotate_replacesTheKeyFile0600_andSecretsStillOpen() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "totp"])
        _ = await fixture.run(["totp", "enroll", "d"])
        let keyFile = fixture.directory.file("setup/master.key")
        let oldKey = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        let secret = try #require(try await fixture.openStore().totpEnrolment(device: DeviceID("d"))).totp.secret.bytes
        let result = await fixture.run(["key", "rotate"])
        #expect(result.status == 0, "\(result.error)")
        let newKey = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        #expect(newKey.count == 32)
        #expect(newKey != oldKey)
        #expect(try mode(of: keyFile) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: keyFile + ".new"))
        #expect(try await fixture.openStore().totpEnrolment(device: DeviceID("d"))?.totp.secret.bytes == secret)
    }

    @Test func keyRotate_afterAnInterruptedRotation_isRefusedAndChangesNothing() async throws {
        let fixture = try await CLIFixture()
        let keyFile = fixture.directory.file("setup/master.key")
        _ = FileManager.default.createFile(atPath: keyFile + ".new", contents: Data(count: 32), attributes: [.posixPermissions: 0o600])
        let before = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        let result = await fixture.run(["key", "rotate"])
        #expect(result.status == 1)
        #expect(result.error.contains("interrupted"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: keyFile)) == before)
    }
}
