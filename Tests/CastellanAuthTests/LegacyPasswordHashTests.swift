import CastellanAuth
import Foundation
import SupervisionTesting
import Testing

/// Hashes written by the real tools — Debian's mosquitto_passwd 2.0.11 and the 2.1.2 build —
/// verify with their password only, as the tools verify them; go-auth's format is checked
/// against an independent PBKDF2 (Python's hashlib); broken hashes are refused with a reason.
@Suite struct LegacyPasswordHashTests {
    static let debianPasswd = "/usr/bin/mosquitto_passwd"
    static let passwd21 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/.build-mosquitto21/bin/mosquitto_passwd"

    /// `mosquitto_passwd [-H TYPE] -c -b FILE USER PASSWORD`, and the hash it wrote; `nil` without the tool.
    static func written(by tool: String, type: String? = nil, password: String) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let directory = TemporaryDirectory()
        let file = directory.file("passwd")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = (type.map { ["-H", $0] } ?? []) + ["-c", "-b", file, "dev1", password]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try launch(process)
        process.waitUntilExit()
        let line = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
        return String(line.dropFirst("dev1:".count))
    }

    @Test func debianMosquittoPasswd_writesPBKDF2With101Iterations_thatVerifiesOnlyItsPassword() throws {
        guard let text = try Self.written(by: Self.debianPasswd, password: "s3cret pass") else {
            print("skipping: no \(Self.debianPasswd)")
            return
        }
        #expect(text.hasPrefix("$7$101$"))
        let hash = try LegacyPasswordHash(parsing: text)
        #expect(hash.description == "mosquitto-pbkdf2-sha512 (101 iterations)")
        #expect(hash.verify(password: Array("s3cret pass".utf8)))
        #expect(!hash.verify(password: Array("s3cret pas".utf8)))
        #expect(!hash.verify(password: Array("s3cret pass ".utf8)))
        // The broker reads the password as a C string.
        #expect(hash.verify(password: Array("s3cret pass".utf8) + [0] + Array("junk".utf8)))
    }

    @Test(arguments: ["sha512-pbkdf2", "sha512"])
    func mosquittoPasswd21_hashesVerifyOnlyTheirPassword(_ type: String) throws {
        guard let text = try Self.written(by: Self.passwd21, type: type, password: "pässwörd") else {
            print("skipping: no mosquitto 2.1 build at \(Self.passwd21) (make mosquitto-2.1)")
            return
        }
        let hash = try LegacyPasswordHash(parsing: text)
        #expect(hash.description == (type == "sha512" ? "mosquitto-sha512" : "mosquitto-pbkdf2-sha512 (1000 iterations)"))
        #expect(hash.verify(password: Array("pässwörd".utf8)))
        #expect(!hash.verify(password: Array("passwort".utf8)))
    }

    @Test func dynamicSecurityFields_areTheSevenFormSplitUp() throws {
        guard let text = try Self.written(by: Self.debianPasswd, password: "dyn") else { return }
        let fields = text.split(separator: "$").map(String.init)  // 7, 101, salt, hash
        let hash = try LegacyPasswordHash.dynamicSecurity(salt: fields[2], password: fields[3], iterations: 101)
        #expect(hash.verify(password: Array("dyn".utf8)))
        #expect(!hash.verify(password: Array("dyn2".utf8)))
    }

    @Test(arguments: [
        ("PBKDF2$sha512$100000$MDEyMzQ1Njc4OWFiY2RlZg==$mMvH/7B+tH1pQnyhfyam5xbAZmhPAige6CxnmR7aFwAiXPoAfNwitP//tJsXWBRNEugGcMdGcQtiYIKxnSUaPg==",
         "go-auth-pbkdf2-sha512 (100000 iterations)"),
        ("PBKDF2$sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg==$pj4T35D2v4tYmC1sTJ1y5tcMADOdtnQGvuHmyYDQh2g=", "go-auth-pbkdf2-sha256 (1000 iterations)"),
        ("$pbkdf2-sha512$i=1000,l=64$MDEyMzQ1Njc4OWFiY2RlZg$Xp/4UtI3VYuUskUJvg/ElBho/1QUob2t4wOqDH2dRs5/P6kzj5+E8oi97sPcw7P4ZvydZ2rKx3aQeetuxYWOOg",
         "go-auth-pbkdf2-sha512 (1000 iterations)"),
    ])
    func goAuthPBKDF2_verifiesLikeHashlib(_ text: String, _ description: String) throws {
        let hash = try LegacyPasswordHash(parsing: text)
        #expect(hash.description == description)
        #expect(hash.verify(password: Array("hunter2".utf8)))
        #expect(!hash.verify(password: Array("hunter3".utf8)))
    }

    @Test func goAuthUTF8Salt_isStoredInBase64_andVerifies() throws {
        let hash = try LegacyPasswordHash.goAuth(
            algorithm: "sha512", iterations: 1000, salt: Array("plainsalt".utf8),
            hash: "dHnhLMW9l83T8Lns2tvcG1wZ/BVB8nMYEl7dfs9g3RrMvXss/K94693z1bHm6bXKOxxVzaW/y7d+8IDzsv1g3w==")
        #expect(hash.encoded.hasPrefix("PBKDF2$sha512$1000$cGxhaW5zYWx0$"))
        #expect(try LegacyPasswordHash(parsing: hash.encoded) == hash)
        #expect(hash.verify(password: Array("hunter2".utf8)))
    }

    /// Written by the reference `argon2` tool (Debian's `argon2` package, the same libargon2
    /// mosquitto 2.1 links when built with it): `echo -n PASSWORD | argon2 SALT -id -t T -k KIB -p P [-l LENGTH] [-v 10] -e`.
    /// The first has mosquitto 2.1's parameters (m=47104, t=1, p=1, a 64-byte hash).
    @Test(arguments: [
        ("$argon2id$v=19$m=47104,t=1,p=1$bW9zcXVpdHRvLXNhbHQtMTY$CIj+e11xhYWA8kRq9eutvGsb6MaKZQX47SKHGTNo6KEjHkq4V7z0VEcOUy5QbJHEq96I0ZjuFPXSZaFdtAxscw", "hunter2"),
        ("$argon2id$v=19$m=4096,t=3,p=2$Z28tYXV0aC1zYWx0$gxIzHkPT3Pvp9KZ59rTrFN2BT1tOPn2rgrY9H3wqxow", "pass"),
        ("$argon2id$v=16$m=1024,t=1,p=1$dnNpeHRlZW5zYWx0$EcpAOTSXmJ4M6+ryBAppI+4bU1KcP5FcqiR83z2Uq3Y", "hunter2"),
    ])
    func argon2id_verifiesItsPasswordOnly(_ encoded: String, _ password: String) throws {
        let hash = try LegacyPasswordHash(parsing: encoded)
        #expect(hash.schemeName == "argon2id" && hash.encoded == encoded)
        #expect(hash.verify(password: Array(password.utf8)))
        #expect(hash.verify(password: Array(password.utf8) + [0, 0x41]), "up to the first NUL, as mosquitto's strlen")
        #expect(!hash.verify(password: Array((password + "x").utf8)))
        #expect(!hash.verify(password: []))
    }

    @Test(arguments: [
        ("$argon2id$v=19$m=47104,t=1,p=1$c2FsdA", "malformed"),
        ("$argon2id$v=19$m=47104,t=1$c2FsdA$aGFzaGhhc2g", "malformed"),
        ("$argon2id$v=19$m=47104,t=1,p=1,m=5$c2FsdA$aGFzaGhhc2g", "malformed"),
        ("$argon2id$v=19$m=-1,t=1,p=1$c2FsdA$aGFzaGhhc2g", "malformed"),
        ("$argon2id$v=19$m=47104,t=1,p=1$c2Fsd===$aGFzaGhhc2g", "malformed"),
        ("$argon2id$v=18$m=47104,t=1,p=1$c2FsdA$aGFzaGhhc2g", "unsupported"),
        ("$argon2id$v=19$m=4194304,t=1,p=1$c2FsdA$aGFzaGhhc2g", "unsupported"),
        ("$argon2id$v=19$m=47104,t=100,p=1$c2FsdA$aGFzaGhhc2g", "unsupported"),
    ])
    func argon2id_malformedOrTooCostly_isRefused(_ text: String, _ kind: String) {
        #expect(throws: LegacyHashError.self) { try LegacyPasswordHash(parsing: text) }
        do { _ = try LegacyPasswordHash(parsing: text) } catch {
            #expect(!error.description.contains("aGFzaGhhc2g"), "the error never repeats the hash")
            #expect(kind == "unsupported" ? error.description.contains("argon2id") : true)
        }
    }

    @Test(arguments: [
        ("$7$101$/F15SIdQWWDI9Oc5$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoab", "truncated"),
        ("$7$101$/F15SIdQWWDI9Oc5", "no hash"),
        ("$7$0$/F15SIdQWWDI9Oc5$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g==", "zero iterations"),
        ("$7$101$c2FsdA==$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g==", "4-byte salt"),
        ("$5$abc$def", "unknown scheme"),
        ("$2y$10$abcdefghijklmnopqrstuv", "bcrypt"),
        ("plaintext", "no scheme"),
        ("PBKDF2$md5$1000$MDEy$abcd", "go-auth with md5"),
        ("$pbkdf2-sha512$i=1000,l=64$MDEyMzQ1Njc4OWFiY2RlZg$Xp/4UtI3VYuUskUJvg/ElBho", "truncated PHC"),
    ])
    func brokenOrUnknownHashes_areRefused(_ text: String, _ why: String) {
        #expect(throws: LegacyHashError.self, "\(why)") { try LegacyPasswordHash(parsing: text) }
    }

    @Test func aRefusedImportedHash_costsTheUnknownUserWork_notJustItsOwn101Iterations() throws {
        let hash = try LegacyPasswordHash(parsing: "$7$101$/F15SIdQWWDI9Oc5$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g==")
        let clock = ContinuousClock()
        // The fastest of a few runs each: the least disturbed by other work on the machine.
        func fastest(_ work: () -> Void) -> Duration { (0..<5).map { _ in clock.measure(work) }.min()! }
        let ownCheck = fastest { _ = hash.verify(password: Array("wrong".utf8)) }
        let refusal = fastest { _ = hash.verifyAndUpgrade(password: Array("wrong".utf8), entropy: SystemEntropy()) }
        // 101 + 4096 iterations against 101: about 40 times; 5 leaves room for noise.
        #expect(refusal > ownCheck * 5, "refusal \(refusal), own check \(ownCheck)")
    }

    @Test func aVerifiedPassword_isUpgradedToSCRAMKeysThatVerifyTheSamePassword() throws {
        let hash = try LegacyPasswordHash.goAuth(
            algorithm: "sha512", iterations: 1000, salt: Array("plainsalt".utf8),
            hash: "dHnhLMW9l83T8Lns2tvcG1wZ/BVB8nMYEl7dfs9g3RrMvXss/K94693z1bHm6bXKOxxVzaW/y7d+8IDzsv1g3w==")
        guard case .verified(let upgrade?) = hash.verifyAndUpgrade(password: Array("hunter2".utf8), entropy: SystemEntropy()) else {
            Issue.record("expected an upgrade")
            return
        }
        #expect(upgrade.iterations >= 4096)
        #expect(upgrade.mechanism == .sha256)
        #expect(PasswordVerifier.verify(password: "hunter2", against: upgrade))
        guard case .refused = hash.verifyAndUpgrade(password: Array("hunter3".utf8), entropy: SystemEntropy()) else {
            Issue.record("a wrong password must be refused")
            return
        }
    }
}
