import CastellanAuth
@testable import CastellanStore
import Foundation
import Testing

@Suite("Record round trips")
struct RecordRoundTripTests {
    @Test func aDevice_comesBackWithItsPolicyGroupsAndCreationTime() async throws {
        let fixture = try StoreFixture()
        let id = try DeviceID("pump-7")
        let record = DeviceRecord(id: id, policy: .passwordTOTP, groups: [try DeviceGroup("b"), try DeviceGroup("a")], created: 42)
        try await fixture.store.addDevice(record)
        #expect(try await fixture.store.device(id) == record)
        #expect(record.groups.map(\.rawValue) == ["a", "b"])
        #expect(try await fixture.store.devices() == [record])
    }

    @Test func addingAnExistingDevice_isRefused() async throws {
        let fixture = try StoreFixture()
        try await fixture.addDevice("a")
        await #expect(throws: StoreError.deviceExists("a")) { try await fixture.addDevice("a", policy: .cert) }
        #expect(try await fixture.store.device(DeviceID("a"))?.policy == .scram)
    }

    @Test func disablingAndEnabling_isStored() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a")
        try await fixture.store.setEnabled(false, device: id)
        #expect(try await fixture.store.device(id)?.enabled == false)
        try await fixture.store.setEnabled(true, device: id)
        #expect(try await fixture.store.device(id)?.enabled == true)
        await #expect(throws: StoreError.unknownDevice("b")) { try await fixture.store.setEnabled(false, device: DeviceID("b")) }
    }

    @Test func aSCRAMCredential_roundTrips_andOnlyKeysAreStored() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a")
        let credential = try SCRAMCredential.generate(password: "correct horse", mechanism: .sha512, iterations: 4096, entropy: SystemEntropy())
        try await fixture.store.setSCRAMCredential(credential, device: id)
        #expect(try await fixture.store.scramCredential(device: id) == credential)
        let columns = try await fixture.store.pool.read { db in try db.columns(in: "scram_credentials").map(\.name) }
        #expect(columns == ["device_id", "mechanism", "salt", "iterations", "stored_key", "server_key"])
    }

    @Test func aTOTPEnrolment_roundTrips_withTheSecretSealed() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", policy: .totp)
        let totp = try makeTOTP(.sha256, digits: 8, period: 60)
        try await fixture.store.setTOTP(totp, device: id)
        let enrolment = try #require(try await fixture.store.totpEnrolment(device: id))
        #expect(enrolment.totp.secret.bytes == totp.secret.bytes)
        #expect(enrolment.totp.algorithm == .sha256)
        #expect(enrolment.totp.digits == 8)
        #expect(enrolment.totp.period == 60)
        #expect(enrolment.lastAcceptedStep == nil)
        let stored = try await fixture.store.pool.read { db in
            try [UInt8](Data.fetchOne(db, sql: "SELECT sealed_secret FROM totp_credentials")!)
        }
        #expect(!stored.contains(subsequence: totp.secret.bytes))
    }

    @Test func aclRules_roundTripPerDeviceAndPerGroup_withIds() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", groups: ["fleet"])
        let fleet = try DeviceGroup("fleet")
        let own = try ACLRule(effect: "allow", access: "publish", pattern: "devices/%u/#")
        let shared = try ACLRule(effect: "deny", access: "all", pattern: "fleet/secret/#")
        let other = try ACLRule(effect: "allow", access: "subscribe", pattern: "other/#")
        let first = try await fixture.store.addRule(own, scope: .device(id))
        let second = try await fixture.store.addRule(shared, scope: .group(fleet))
        _ = try await fixture.store.addRule(other, scope: .group(DeviceGroup("elsewhere")))
        #expect(second > first)
        #expect(try await fixture.store.rules(scope: .device(id)) == [StoredACLRule(id: first, scope: .device(id), rule: own)])
        #expect(try await fixture.store.rules(scope: .group(fleet)) == [StoredACLRule(id: second, scope: .group(fleet), rule: shared)])
        #expect(try await fixture.store.rules(scope: nil).count == 3)
        #expect(try await fixture.store.effectiveRules(device: id) == [own, shared])
        try await fixture.store.removeRule(id: first)
        #expect(try await fixture.store.effectiveRules(device: id) == [shared])
        await #expect(throws: StoreError.unknownRule(first)) { try await fixture.store.removeRule(id: first) }
    }

    @Test func aRuleForAnUnknownDevice_isRefused() async throws {
        let fixture = try StoreFixture()
        let rule = try ACLRule(effect: "allow", access: "all", pattern: "#")
        await #expect(throws: StoreError.unknownDevice("ghost")) {
            _ = try await fixture.store.addRule(rule, scope: .device(DeviceID("ghost")))
        }
        #expect(try await fixture.store.rules(scope: nil).isEmpty)
    }

    @Test func aCertificate_roundTrips_andRevocationKeepsTheFirstTimeAndReason() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", policy: .cert)
        let record = CertificateRecord(
            serial: "0A1B", device: id, fingerprint: CertificateFingerprint(derEncoded: [1, 2, 3]), notBefore: 10, notAfter: 20)
        try await fixture.store.addCertificate(record)
        #expect(try await fixture.store.certificate(serial: "0a1b") == record)
        #expect(try await fixture.store.certificates(device: id) == [record])
        await #expect(throws: StoreError.certificateExists("0a1b")) { try await fixture.store.addCertificate(record) }
        try await fixture.store.revokeCertificate(serial: "0a1b", at: 15, reason: "keyCompromise")
        try await fixture.store.revokeCertificate(serial: "0a1b", at: 16, reason: "superseded")
        let revoked = try #require(try await fixture.store.certificate(serial: "0a1b"))
        #expect(revoked.revokedAt == 15)
        #expect(revoked.revocationReason == "keyCompromise")
        await #expect(throws: StoreError.unknownCertificate("ff")) { try await fixture.store.revokeCertificate(serial: "ff", at: 1, reason: "x") }
    }

    @Test func removingADevice_dropsItsCredentialsAndRules_andRevokesItsCertificates() async throws {
        let fixture = try StoreFixture(clock: { 777 })
        let id = try await fixture.addDevice("a", policy: .scramTOTP)
        try await fixture.store.setSCRAMCredential(
            SCRAMCredential.generate(password: "pw", entropy: SystemEntropy()), device: id)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        _ = try await fixture.store.addRule(ACLRule(effect: "allow", access: "all", pattern: "a/#"), scope: .device(id))
        _ = try await fixture.store.recordFailure(for: id, at: 5)
        try await fixture.store.addCertificate(CertificateRecord(
            serial: "01", device: id, fingerprint: CertificateFingerprint(derEncoded: [9]), notBefore: 0, notAfter: 1000))
        try await fixture.store.removeDevice(id)
        #expect(try await fixture.store.device(id) == nil)
        #expect(try await fixture.store.scramCredential(device: id) == nil)
        #expect(try await fixture.store.totpEnrolment(device: id) == nil)
        #expect(try await fixture.store.rules(scope: nil).isEmpty)
        #expect(try await fixture.store.record(for: id) == LockoutRecord())
        let certificate = try #require(try await fixture.store.certificate(serial: "01"))
        #expect(certificate.revokedAt == 777)
        #expect(certificate.revocationReason == "cessationOfOperation")
    }

    @Test func auditEntries_roundTripInOrder() async throws {
        let fixture = try StoreFixture()
        let entries = (1...5).map { index in
            AuditEntry(time: Int64(index), identity: "d\(index)", clientID: "c", address: "127.0.0.1", method: "scram",
                       result: index.isMultiple(of: 2) ? "deny" : "allow", reason: index.isMultiple(of: 2) ? "bad_proof" : nil, brokerID: "b1")
        }
        try await fixture.store.appendAudit(entries)
        let recent = try await fixture.store.recentAudit(limit: 3)
        #expect(recent.map(\.identity) == ["d3", "d4", "d5"])
        #expect(recent[1].reason == "bad_proof")
        #expect(recent[1].brokerID == "b1")
        let after = try await fixture.store.audit(after: recent[0].id!, limit: 10)
        #expect(after.map(\.identity) == ["d4", "d5"])
    }

    @Test func lockoutCounters_countUpAndReset() async throws {
        let fixture = try StoreFixture()
        let id = try DeviceID("a")
        #expect(try await fixture.store.recordFailure(for: id, at: 100) == LockoutRecord(consecutiveFailures: 1, lastFailure: 100))
        #expect(try await fixture.store.recordFailure(for: id, at: 90) == LockoutRecord(consecutiveFailures: 2, lastFailure: 100))
        try await fixture.store.recordSuccess(for: id)
        #expect(try await fixture.store.record(for: id) == LockoutRecord())
        _ = try await fixture.store.recordFailure(for: id, at: 1)
        try await fixture.store.unlock(id)
        #expect(try await fixture.store.record(for: id) == LockoutRecord())
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}
