import CastellanAuth
import CastellanImport
import CastellanStore
import Testing

/// The password_file and acl_file readers: what they plan, what they report, and what they refuse.
@Suite struct MosquittoPasswordImportTests {
    /// Written by mosquitto_passwd 2.0.11 (`secret1`) and 2.1.2 (`$7$1000$`, `secret1`).
    static let hash20 = "$7$101$/F15SIdQWWDI9Oc5$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g=="
    static let hash21 = "$7$1000$g8Y/bGYZMR3zJQAjGJnuS5j+epu+r795YHeALl2xXrcFCpNTXa9jyo7/QYRu8KCD541zx+1NMb7kvrEPXJrUNw==$Zp79LG/oT8p4sBpRqhj8eejW0k/1tIiMcRP9yWE1W4o8fbW7rSNx6h942ArTuKxuL/PwZ8L/1xlgmbLkFqOJiw=="

    @Test func aPasswordFile_plansOneDevicePerUser_andReportsUsernamesThatAreNoDeviceIDs() throws {
        let file = """
            # fleet
            dev1:\(Self.hash20)
            dev-2.b:\(Self.hash21)

            bad/user:\(Self.hash20)
            """
        let plan = try MosquittoPasswordImport.plan(passwordFile: "pw", passwords: file)
        #expect(plan.devices.map(\.id.rawValue) == ["dev1", "dev-2.b"])
        #expect(plan.devices.allSatisfy { $0.legacy != nil && $0.enabled && $0.groups.isEmpty })
        let skipped = plan.notes.filter { $0.kind == .skipped }
        #expect(skipped.count == 1)
        #expect(skipped.first?.location == "pw:5")
        #expect(skipped.first?.message.contains("'bad/user' is not a valid device id") == true)
        #expect(plan.notes.contains { $0.kind == .changes && $0.message.contains("devices/<its id>/#") })
    }

    @Test(arguments: [
        ("dev1:\(hash20)\ndev2:" + String(hash20.dropLast(10)), "pw:2: user 'dev2': malformed password hash"),
        ("dev1:$9$abc$def", "pw:1: user 'dev1': unsupported password hash: unknown scheme $9$"),
        ("dev1:\(hash20)\ndev1:\(hash21)", "pw:2: duplicate user 'dev1'"),
        ("just some text", "pw:1: not a USER:HASH line"),
    ])
    func badInput_isRefusedNamingFileAndLine(_ file: String, _ message: String) {
        do {
            _ = try MosquittoPasswordImport.plan(passwordFile: "pw", passwords: file)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }

    @Test func anACLFile_becomesDeviceRules_andItsDifferencesAreListed() throws {
        let passwords = "dev1:\(Self.hash20)\ndev2:\(Self.hash20)\n"
        let acl = """
            topic read $SYS/#

            user dev1
            topic readwrite sensors/dev1/#
            topic read commands/#
            topic deny commands/secret

            user ghost
            topic write x

            pattern write status/%u
            pattern deny commands/%u/#
            pattern read a/%x/b
            """
        let plan = try MosquittoPasswordImport.plan(passwordFile: "pw", passwords: passwords, aclFile: "acl", acl: acl)
        let dev1 = try DeviceID("dev1"), dev2 = try DeviceID("dev2")
        let rules = plan.rules.map { "\($0.scope): \($0.rule)" }
        #expect(rules == [
            "device dev1: allow all sensors/dev1/#",
            "device dev1: allow subscribe,receive commands/#",
            "device dev1: deny all commands/secret",
            "device dev1: allow publish status/%u",
            "device dev1: deny all commands/%u/#",
            "device dev2: allow publish status/%u",
            "device dev2: deny all commands/%u/#",
        ], "\(rules)")
        _ = (dev1, dev2)
        let notes = plan.notes.map(\.description)
        #expect(notes.contains { $0.hasPrefix("skipped acl:1: rule for anonymous clients") })
        #expect(notes.contains { $0.hasPrefix("skipped acl:8: user 'ghost' is not in the password file") })
        #expect(notes.contains { $0.hasPrefix("skipped acl:13: topic 'a/%x/b' is outside Castellan's topic model") })
        #expect(notes.contains { $0.hasPrefix("changes acl:12: pattern deny 'commands/%u/#' now also refuses user 'dev1' on 'commands/#'") })
        #expect(notes.contains { $0.hasPrefix("changes acl: mosquitto's acl_file never checks subscriptions") })
    }

    /// mosquitto 2.1's `$argon2id$` (its parameters; written by the reference `argon2` tool, as
    /// 2.1.2 ships with argon2 switched off) is imported as the device's credential.
    @Test func argon2idHashes_areImportedAsTheDevicesCredential() throws {
        let encoded = "$argon2id$v=19$m=47104,t=1,p=1$bW9zcXVpdHRvLXNhbHQtMTY$CIj+e11xhYWA8kRq9eutvGsb6MaKZQX47SKHGTNo6KEjHkq4V7z0VEcOUy5QbJHEq96I0ZjuFPXSZaFdtAxscw"
        let plan = try MosquittoPasswordImport.plan(passwordFile: "pw", passwords: "dev1:\(encoded)\n")
        #expect(plan.devices.count == 1)
        #expect(plan.devices.first?.legacy?.encoded == encoded)
        #expect(plan.devices.first?.legacy?.verify(password: Array("hunter2".utf8)) == true)
        #expect(!plan.notes.contains { $0.kind == .skipped })
    }
}
