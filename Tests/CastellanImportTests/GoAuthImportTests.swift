import CastellanAuth
import CastellanImport
import Testing

/// mosquitto-go-auth's files backend, written from its documented format (backends/files).
@Suite struct GoAuthImportTests {
    /// `hunter2`, PBKDF2-SHA512, 1000 iterations: Python's hashlib, as go-auth writes it.
    static let hash = "PBKDF2$sha512$1000$cGxhaW5zYWx0$dHnhLMW9l83T8Lns2tvcG1wZ/BVB8nMYEl7dfs9g3RrMvXss/K94693z1bHm6bXKOxxVzaW/y7d+8IDzsv1g3w=="

    @Test func passwordsAndACLs_becomeDevicesAndRules() throws {
        let acl = """
            topic public/#
            user dev1
            topic read sensors/#
            topic write sensors/dev1
            topic subscribe alerts/+
            topic deny sensors/private
            pattern readwrite devices/%c/cmd
            """
        let plan = try GoAuthImport.plan(passwordFile: "pw", passwords: "dev1:\(Self.hash)\ndev2:\(Self.hash)\n", aclFile: "acl", acl: acl)
        #expect(plan.devices.map(\.id.rawValue) == ["dev1", "dev2"])
        #expect(plan.devices.first?.legacy?.verify(password: Array("hunter2".utf8)) == true)
        #expect(plan.rules.map { "\($0.scope): \($0.rule)" } == [
            "device dev1: allow subscribe,receive sensors/#",
            "device dev1: allow publish sensors/dev1",
            "device dev1: allow subscribe alerts/+",
            "device dev1: deny all sensors/private",
            "device dev1: allow all public/#",
            "device dev1: allow all devices/%c/cmd",
            "device dev2: allow all public/#",
            "device dev2: allow all devices/%c/cmd",
        ])
    }

    @Test func aUTF8Salt_isReadWhenSoConfigured() throws {
        let text = "dev1:PBKDF2$sha512$1000$plainsalt$dHnhLMW9l83T8Lns2tvcG1wZ/BVB8nMYEl7dfs9g3RrMvXss/K94693z1bHm6bXKOxxVzaW/y7d+8IDzsv1g3w==\n"
        let plan = try GoAuthImport.plan(passwordFile: "pw", passwords: text, saltEncoding: .utf8)
        #expect(plan.devices.first?.legacy?.verify(password: Array("hunter2".utf8)) == true)
    }

    @Test func moreRulesThanAConnectionCarries_areListed() throws {
        let acl = (0..<130).map { "pattern write t/\($0)/%u" }.joined(separator: "\n")
        let plan = try GoAuthImport.plan(passwordFile: "pw", passwords: "dev1:\(Self.hash)\n", aclFile: "acl", acl: acl)
        #expect(plan.notes.contains { $0.kind == .changes && $0.message.hasPrefix("device 'dev1' would have 133 rules, more than the 128") })
    }

    @Test func bcryptHashes_areRefusedNamingTheLine() {
        #expect(throws: ImportError.self) {
            try GoAuthImport.plan(passwordFile: "pw", passwords: "dev1:\(Self.hash)\ndev2:$2a$10$abcdefghijklmnopqrstuu\n")
        }
        do {
            _ = try GoAuthImport.plan(passwordFile: "pw", passwords: "dev1:\(Self.hash)\ndev2:$2a$10$abcdefghijklmnopqrstuu\n")
        } catch {
            #expect(error.file == "pw" && error.line == 2)
        }
    }
}
