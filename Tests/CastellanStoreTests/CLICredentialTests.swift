import CastellanAuth
import CastellanStore
import Foundation
import QRCode
import Testing
@testable import CastellanCLI

@Suite("CLI: scram and totp")
struct CLICredentialTests {
    @Test func scramSet_fromStdin_dropsOneTrailingNewline_andStoresKeysThatVerify() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "password"])
        let result = await fixture.run(
            ["scram", "set", "d", "--password-stdin", "--mechanism", "SCRAM-SHA-512", "--iterations", "5000"],
            stdin: Array("s3cret \n".utf8))
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.output.contains("s3cret"))
        let stored = try #require(try await fixture.openStore().scramCredential(device: DeviceID("d")))
        #expect(stored.mechanism == .sha512)
        #expect(stored.iterations == 5000)
        let expected = try SCRAMCredential.derive(password: "s3cret ", salt: stored.salt, iterations: 5000, mechanism: .sha512)
        #expect(stored == expected, "the trailing space stays, one newline goes")
    }

    @Test func scramSet_fromAFile_dropsOnlyOneNewline() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "scram"])
        try Data("pw\n".utf8).write(to: URL(fileURLWithPath: fixture.directory.file("pw.txt")))
        #expect(await fixture.run(["scram", "set", "d", "--password-file", "pw.txt"]).status == 0)
        let stored = try #require(try await fixture.openStore().scramCredential(device: DeviceID("d")))
        #expect(stored == (try SCRAMCredential.derive(password: "pw", salt: stored.salt, iterations: 4096, mechanism: .sha256)))
        try Data("pw\n\n".utf8).write(to: URL(fileURLWithPath: fixture.directory.file("pw2.txt")))
        let refused = await fixture.run(["scram", "set", "d", "--password-file", "pw2.txt"])
        #expect(refused.status == 1, "the second newline is part of the password, and a control character")
    }

    static let scramRefusals: [(arguments: [String], status: Int32, fragment: String)] = [
        (["scram", "set", "ghost", "--password-stdin"], 1, "unknown device 'ghost'"),
        (["scram", "set", "d", "--password-stdin", "--iterations", "1000"], 1, "weaker than the minimum"),
        (["scram", "set", "d", "--password-stdin", "--iterations", "many"], 2, "whole number"),
        (["scram", "set", "d", "--password-stdin", "--mechanism", "SCRAM-SHA-1"], 2, "SCRAM-SHA-256 or SCRAM-SHA-512"),
        (["scram", "set", "d"], 2, "exactly one"),
        (["scram", "set", "d", "--password-stdin", "--password-file", "x"], 2, "exactly one"),
        (["scram", "set", "d", "--password-file", "/nonexistent"], 1, "cannot read password file"),
        (["scram", "set", "c", "--password-stdin"], 1, "uses no password"),
    ]

    @Test(arguments: 0..<scramRefusals.count)
    func badScramSet_failsAndWritesNothing(_ index: Int) async throws {
        let (arguments, status, fragment) = Self.scramRefusals[index]
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "scram"])
        _ = await fixture.run(["device", "add", "c", "--policy", "cert"])
        let before = try await fixture.snapshot()
        let result = await fixture.run(arguments, stdin: Array("pw".utf8))
        #expect(result.status == status, "\(result.error)")
        #expect(result.error.contains(fragment), "\(result.error)")
        #expect(try await fixture.snapshot() == before)
    }

    @Test func scramSet_refusesAnEmptyPassword() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "scram"])
        let result = await fixture.run(["scram", "set", "d", "--password-stdin"], stdin: Array("\n".utf8))
        #expect(result.status == 1)
        #expect(result.error.contains("empty password"))
    }

    @Test func totpEnroll_printsTheURI_andStoresASealedSecretThatMatches() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "password+totp"])
        let result = await fixture.run(["totp", "enroll", "d"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.hasPrefix("otpauth://totp/Castellan:d?secret="))
        #expect(result.output.contains("&algorithm=SHA1&digits=6&period=30"))
        #expect(result.error.contains("Scan the QR code"))
        let enrolment = try #require(try await fixture.openStore().totpEnrolment(device: DeviceID("d")))
        #expect(result.output.contains("secret=\(enrolment.totp.secret.base32)&"))
    }

    @Test func totpEnroll_printsAQRCodeOfTheURI_afterIt() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "scram+totp"])
        let result = await fixture.run(["totp", "enroll", "d"])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        let uri = try #require(lines.first)
        #expect(uri.hasPrefix("otpauth://totp/"))
        // The rest of stdout is the half-block drawing of that URI at level M, and nothing else.
        let expected = try QRCode(encoding: Array(uri.utf8), level: .medium).terminalLines()
        #expect(Array(lines.dropFirst()) == expected)
        #expect(expected.count >= 15)
        #expect(expected.allSatisfy { $0.allSatisfy { "█▀▄ ".contains($0) } })
        #expect(expected.first?.allSatisfy { $0 == "█" } == true, "the quiet zone is drawn light")
    }

    @Test func totpEnroll_withJSON_printsUriSecretAlgorithmDigitsAndPeriod() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "totp"])
        let result = await fixture.run(["totp", "enroll", "d", "--algorithm", "SHA512", "--digits", "8", "--period", "60", "--json"])
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.output.contains("█"), "no QR code in JSON mode")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        #expect(Set(object.keys) == ["uri", "secret", "algorithm", "digits", "period"])
        #expect(object["algorithm"] as? String == "SHA512")
        #expect(object["digits"] as? Int == 8)
        #expect(object["period"] as? Int == 60)
        let secret = try TOTPSecret(base32: object["secret"] as! String)
        #expect(secret.bytes.count == 64)
        let stored = try #require(try await fixture.openStore().totpEnrolment(device: DeviceID("d")))
        #expect(stored.totp.secret.bytes == secret.bytes)
        #expect(stored.totp.digits == 8)
    }

    static let totpRefusals: [(arguments: [String], status: Int32, fragment: String)] = [
        (["totp", "enroll", "ghost"], 1, "unknown device 'ghost'"),
        (["totp", "enroll", "plain"], 1, "uses no TOTP code"),
        (["totp", "enroll", "d", "--digits", "7"], 2, "6 or 8"),
        (["totp", "enroll", "d", "--algorithm", "MD5"], 2, "SHA1, SHA256 or SHA512"),
        (["totp", "enroll", "d", "--period", "0"], 2, "1 to 300"),
    ]

    @Test(arguments: 0..<totpRefusals.count)
    func badTotpEnroll_failsAndWritesNothing(_ index: Int) async throws {
        let (arguments, status, fragment) = Self.totpRefusals[index]
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "totp"])
        _ = await fixture.run(["device", "add", "plain", "--policy", "scram"])
        let before = try await fixture.snapshot()
        let result = await fixture.run(arguments)
        #expect(result.status == status, "\(result.error)")
        #expect(result.error.contains(fragment), "\(result.error)")
        #expect(try await fixture.snapshot() == before)
    }
}
