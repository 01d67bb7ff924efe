@testable import castellan
import CastellanAuth
import CastellanStore
import Foundation
import Testing

/// `client keygen` → `device provision` → `client unseal`: credentials generated, stored on the
/// server side, and delivered sealed to the device's X-Wing key.
@Suite struct CLIProvisionTests {
    @Test func provisionedCredentials_unsealOnTheDevice_andMatchWhatTheStoreHolds() async throws {
        let fixture = try await CLIFixture()
        #expect(await fixture.run(["device", "add", "pump1", "--policy", "password+totp"]).status == 0)
        #expect(await fixture.run(["device", "add", "cam1", "--policy", "cert"]).status == 0)
        #expect(await fixture.run(["ca", "init"]).status == 0)
        try KeygenCommand.parse(["--out", fixture.directory.file("pump1")]).run()
        try KeygenCommand.parse(["--out", fixture.directory.file("cam1")]).run()
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.directory.file("pump1.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let sealed = await fixture.run(["device", "provision", "pump1", "--recipient-key", "pump1.pub", "--out", "pump1.bundle"])
        #expect(sealed.status == 0, "\(sealed.error)")
        #expect(await fixture.run(["device", "provision", "cam1", "--recipient-key", "cam1.pub", "--out", "cam1.bundle"]).status == 0)
        #expect(await fixture.run(["device", "provision", "pump1", "--recipient-key", "pump1.pub", "--out", "pump1.bundle"]).status == 1,
                "never overwrites a bundle")

        let trusted = fixture.directory.file("setup/certs/ca.pem")  // what the operator gives the device out of band
        let unsealed = fixture.directory.file("pump1-files")
        try UnsealCommand.parse(["--key", fixture.directory.file("pump1.key"), "--ca", trusted, fixture.directory.file("pump1.bundle"), "--out", unsealed]).run()
        let names = try FileManager.default.contentsOfDirectory(atPath: unsealed).sorted()
        #expect(names == ["password", "totp.secret", "totp.uri"])
        let password = try String(contentsOfFile: unsealed + "/password", encoding: .utf8)
        let store = try fixture.openStore()
        let credential = try #require(try await store.scramCredential(device: try DeviceID("pump1")))
        #expect(try PasswordVerifier.verify(password: password, against: credential))
        let secret = try String(contentsOfFile: unsealed + "/totp.secret", encoding: .utf8)
        #expect(try await store.totpEnrolment(device: try DeviceID("pump1"))?.totp.secret.base32 == secret)

        try UnsealCommand.parse(["--key", fixture.directory.file("cam1.key"), "--ca", trusted, fixture.directory.file("cam1.bundle"), "--out", fixture.directory.file("cam1-files")]).run()
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory.file("cam1-files")).sorted() == ["ca.pem", "device.key", "device.pem"])
        #expect(try await store.certificates(device: try DeviceID("cam1")).count == 1)
        // The wrong device key cannot open another device's bundle.
        #expect(throws: (any Error).self) {
            try UnsealCommand.parse(["--key", fixture.directory.file("cam1.key"), "--ca", trusted, fixture.directory.file("pump1.bundle"), "--out", fixture.directory.file("x")]).run()
        }
        // A device that trusts another CA refuses the bundle, and writes nothing.
        let other = try await CLIFixture()
        #expect(await other.run(["ca", "init"]).status == 0)
        #expect(throws: (any Error).self) {
            try UnsealCommand.parse(["--key", fixture.directory.file("pump1.key"), "--ca", other.directory.file("setup/certs/ca.pem"), fixture.directory.file("pump1.bundle"), "--out", fixture.directory.file("y")]).run()
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.file("y/password")))
        // --ca is required: a bundle is never opened without a CA to check it against.
        #expect(throws: (any Error).self) {
            try UnsealCommand.parse(["--key", fixture.directory.file("pump1.key"), fixture.directory.file("pump1.bundle"), "--out", fixture.directory.file("z")])
        }
    }
}
