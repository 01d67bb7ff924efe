import SupervisionTesting
import CastellanAuth
@testable import CastellanStore
import Foundation
import GRDB
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

    @Test(arguments: [0, 1, 13, 30, -1])
    func aTamperedCiphertextInTheDatabase_isRefused(_ position: Int) async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        try await fixture.store.pool.write { db in
            var sealed = [UInt8](try Data.fetchOne(db, sql: "SELECT sealed_secret FROM totp_credentials")!)
            let index = position >= 0 ? position : sealed.count - 1
            sealed[index] ^= 0x01
            try db.execute(sql: "UPDATE totp_credentials SET sealed_secret = ?", arguments: [Data(sealed)])
        }
        await #expect(throws: StoreError.sealedSecretRejected("a")) { _ = try await fixture.store.totpEnrolment(device: id) }
    }

    @Test func aSecretMovedToAnotherDevicesRow_isRefused() async throws {
        let fixture = try StoreFixture()
        let a = try await fixture.addDevice("a", policy: .totp)
        let b = try await fixture.addDevice("b", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: a)
        try await fixture.store.setTOTP(makeTOTP(), device: b)
        try await fixture.store.pool.write { db in
            try db.execute(sql: """
                UPDATE totp_credentials SET sealed_secret = (SELECT sealed_secret FROM totp_credentials WHERE device_id = 'a')
                WHERE device_id = 'b'
                """)
        }
        await #expect(throws: StoreError.sealedSecretRejected("b")) { _ = try await fixture.store.totpEnrolment(device: b) }
    }

    @Test func rotation_resealsEverySecret_underTheNewKeyOnly() async throws {
        let fixture = try StoreFixture()
        var secrets: [DeviceID: [UInt8]] = [:]
        for name in ["a", "b", "c"] {
            let id = try await fixture.addDevice(name, policy: .totp)
            let totp = try makeTOTP()
            try await fixture.store.setTOTP(totp, device: id)
            secrets[id] = totp.secret.bytes
        }
        let before = try await fixture.store.pool.read { db in try Data.fetchAll(db, sql: "SELECT sealed_secret FROM totp_credentials") }
        let newKey = try MasterKey.generate()
        try await fixture.store.rotateMasterKey(to: newKey)
        let after = try await fixture.store.pool.read { db in try Data.fetchAll(db, sql: "SELECT sealed_secret FROM totp_credentials") }
        #expect(Set(before).isDisjoint(with: Set(after)))

        for (id, bytes) in secrets {
            #expect(try await fixture.store.totpEnrolment(device: id)?.totp.secret.bytes == bytes)
        }
        let reopened = try SQLiteStore(path: fixture.databasePath, masterKey: newKey)
        #expect(try await reopened.totpEnrolment(device: DeviceID("a"))?.totp.secret.bytes == secrets[try DeviceID("a")])
        let stale = try SQLiteStore(path: fixture.databasePath, masterKey: fixture.key)
        await #expect(throws: StoreError.sealedSecretRejected("a")) { _ = try await stale.totpEnrolment(device: DeviceID("a")) }
    }

    @Test func rotationWithATamperedSecret_changesNothing() async throws {
        let fixture = try StoreFixture()
        for name in ["a", "b"] {
            try await fixture.store.setTOTP(makeTOTP(), device: fixture.addDevice(name, policy: .totp))
        }
        try await fixture.store.pool.write { db in
            try db.execute(sql: "UPDATE totp_credentials SET sealed_secret = zeroblob(60) WHERE device_id = 'b'")
        }
        let before = try await fixture.store.pool.read { db in try Data.fetchAll(db, sql: "SELECT sealed_secret FROM totp_credentials ORDER BY device_id") }
        await #expect(throws: StoreError.sealedSecretRejected("b")) { try await fixture.store.rotateMasterKey(to: MasterKey.generate()) }
        let after = try await fixture.store.pool.read { db in try Data.fetchAll(db, sql: "SELECT sealed_secret FROM totp_credentials ORDER BY device_id") }
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
