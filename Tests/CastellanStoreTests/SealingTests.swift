import SupervisionTesting
import CastellanAuth
@testable import CastellanStore
import Foundation
import Testing

@Suite("Sealed secrets")
struct SealingTests {
    @Test func aSealedSecret_opensWithTheSameKeyAndContext_only() throws {
        let sealer = SecretSealer(key: try MasterKey.generate())
        let sealed = try sealer.seal([1, 2, 3], context: "a")
        #expect(try sealer.open(sealed, context: "a") == [1, 2, 3])
        #expect(throws: StoreError.sealedSecretRejected("b")) { try sealer.open(sealed, context: "b") }
        #expect(throws: StoreError.sealedSecretRejected("a")) {
            try SecretSealer(key: MasterKey.generate()).open(sealed, context: "a")
        }
        #expect(throws: StoreError.sealedSecretRejected("a")) { try sealer.open(Array(sealed.prefix(10)), context: "a") }
    }

    @Test(arguments: Backend.allCases, [0, 1, 13, 30, -1])
    func aTamperedCiphertextInTheDatabase_isRefused(_ backend: Backend, _ position: Int) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        var sealed = try #require(try await fixture.sealedSecrets().first)
        sealed[position >= 0 ? position : sealed.count - 1] ^= 0x01
        try await fixture.setSealedSecret(sealed, device: "a")
        await #expect(throws: StoreError.sealedSecretRejected("a")) { _ = try await fixture.store.totpEnrolment(device: id) }
    }

    @Test(arguments: Backend.allCases)
    func aSecretMovedToAnotherDevicesRow_isRefused(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let a = try await fixture.addDevice("a", policy: .totp)
        let b = try await fixture.addDevice("b", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: a)
        try await fixture.store.setTOTP(makeTOTP(), device: b)
        try await fixture.setSealedSecret(try #require(try await fixture.sealedSecrets().first), device: "b")
        await #expect(throws: StoreError.sealedSecretRejected("b")) { _ = try await fixture.store.totpEnrolment(device: b) }
    }

    @Test(arguments: Backend.allCases)
    func rotation_resealsEverySecret_underTheNewKeyOnly(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        var secrets: [DeviceID: [UInt8]] = [:]
        for name in ["a", "b", "c"] {
            let id = try await fixture.addDevice(name, policy: .totp)
            let totp = try makeTOTP()
            try await fixture.store.setTOTP(totp, device: id)
            secrets[id] = totp.secret.bytes
        }
        let before = try await fixture.sealedSecrets()
        let newKey = try MasterKey.generate()
        try await fixture.store.rotateMasterKey(to: newKey)
        let after = try await fixture.sealedSecrets()
        #expect(Set(before).isDisjoint(with: Set(after)))

        for (id, bytes) in secrets {
            #expect(try await fixture.store.totpEnrolment(device: id)?.totp.secret.bytes == bytes)
        }
        let reopened = try await fixture.reopen(key: newKey)
        #expect(try await reopened.totpEnrolment(device: DeviceID("a"))?.totp.secret.bytes == secrets[try DeviceID("a")])
        // The old key is no longer the store's: refused at open, before any secret is tried.
        await #expect(throws: StoreError.wrongMasterKey()) { _ = try await fixture.reopen(key: fixture.key) }
        await reopened.close()
    }

    @Test(arguments: Backend.allCases)
    func rotationWithATamperedSecret_changesNothing(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        for name in ["a", "b"] {
            try await fixture.store.setTOTP(makeTOTP(), device: fixture.addDevice(name, policy: .totp))
        }
        try await fixture.setSealedSecret([UInt8](repeating: 0, count: 60), device: "b")
        let before = try await fixture.sealedSecrets()
        await #expect(throws: StoreError.sealedSecretRejected("b")) { try await fixture.store.rotateMasterKey(to: MasterKey.generate()) }
        let after = try await fixture.sealedSecrets()
        #expect(before == after)
        #expect(try await fixture.store.totpEnrolment(device: DeviceID("a")) != nil, "the old key still opens the untouched secret")
    }

    @Test func aMasterKeyFile_isCreated0600_andRefusedWhenOthersCanReadIt() throws {
        let temp = TemporaryDirectory()
        let key = try MasterKey.generate()
        try key.create(at: temp.file("k"))
        #expect(try mode(of: temp.file("k")) == 0o600)
        _ = try MasterKey.load(from: temp.file("k"))
        #expect(throws: SecretFile.Failure.self) { try key.create(at: temp.file("k")) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: temp.file("k"))
        let error = #expect(throws: StoreError.self) { _ = try MasterKey.load(from: temp.file("k")) }
        #expect(error?.description.contains("chmod 600") == true)
        try SecretFile.replace(temp.file("k"), bytes: Array(repeating: 7, count: 31))
        #expect(try mode(of: temp.file("k")) == 0o600)
        #expect(throws: StoreError.self) { _ = try MasterKey.load(from: temp.file("k")) }
        #expect("\(key)" == "MasterKey(256 bits, redacted)")
    }
}
