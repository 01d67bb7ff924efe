import CastellanAuth
@testable import CastellanStore
import Foundation
import Testing

@Suite("Record round trips")
struct RecordRoundTripTests {
    @Test(arguments: Backend.allCases)
    func aDevice_comesBackWithItsPolicyGroupsAndCreationTime(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try DeviceID("pump-7")
        let record = DeviceRecord(id: id, policy: .passwordTOTP, groups: [try DeviceGroup("b"), try DeviceGroup("a")], created: 42)
        try await fixture.store.addDevice(record)
        #expect(try await fixture.store.device(id) == record)
        #expect(record.groups.map(\.rawValue) == ["a", "b"])
        #expect(try await fixture.store.devices() == [record])
    }

    @Test(arguments: Backend.allCases)
    func addingAnExistingDevice_isRefused(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        try await fixture.addDevice("a")
        await #expect(throws: StoreError.deviceExists("a")) { try await fixture.addDevice("a", policy: .cert) }
        #expect(try await fixture.store.device(DeviceID("a"))?.policy == .scram)
    }

    @Test(arguments: Backend.allCases)
    func disablingAndEnabling_isStored(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a")
        try await fixture.store.setEnabled(false, device: id)
        #expect(try await fixture.store.device(id)?.enabled == false)
        try await fixture.store.setEnabled(true, device: id)
        #expect(try await fixture.store.device(id)?.enabled == true)
        await #expect(throws: StoreError.unknownDevice("b")) { try await fixture.store.setEnabled(false, device: DeviceID("b")) }
    }

    @Test(arguments: Backend.allCases)
    func aSCRAMCredential_roundTrips_andOnlyKeysAreStored(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a")
        let credential = try SCRAMCredential.generate(password: "correct horse", mechanism: .sha512, iterations: 4096, entropy: SystemEntropy())
        try await fixture.store.setSCRAMCredential(credential, device: id)
        #expect(try await fixture.store.scramCredential(device: id) == credential)
        let columns = try await fixture.scramColumns()
        #expect(columns == ["device_id", "mechanism", "salt", "iterations", "stored_key", "server_key"])
    }

    @Test(arguments: Backend.allCases)
    func aTOTPEnrolment_roundTrips_withTheSecretSealed(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a", policy: .totp)
        let totp = try makeTOTP(.sha256, digits: 8, period: 60)
        try await fixture.store.setTOTP(totp, device: id)
        let enrolment = try #require(try await fixture.store.totpEnrolment(device: id))
        #expect(enrolment.totp.secret.bytes == totp.secret.bytes)
        #expect(enrolment.totp.algorithm == .sha256)
        #expect(enrolment.totp.digits == 8)
        #expect(enrolment.totp.period == 60)
        #expect(enrolment.lastAcceptedStep == nil)
        let stored = try #require(try await fixture.sealedSecrets().first)
        #expect(!stored.contains(subsequence: totp.secret.bytes))
    }

    @Test(arguments: Backend.allCases)
    func aclRules_roundTripPerDeviceAndPerGroup_withIds(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
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

    @Test(arguments: Backend.allCases)
    func aRuleForAnUnknownDevice_isRefused(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let rule = try ACLRule(effect: "allow", access: "all", pattern: "#")
        await #expect(throws: StoreError.unknownDevice("ghost")) {
            _ = try await fixture.store.addRule(rule, scope: .device(DeviceID("ghost")))
        }
        #expect(try await fixture.store.rules(scope: nil).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func aCertificate_roundTrips_andRevocationKeepsTheFirstTimeAndReason(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
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

    @Test(arguments: Backend.allCases)
    func removingADevice_dropsItsCredentialsAndRules_andRevokesItsCertificates(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend, clock: { 777 })
        let id = try await fixture.addDevice("a", policy: .scramTOTP)
        try await fixture.store.setSCRAMCredential(
            SCRAMCredential.generate(password: "pw", entropy: SystemEntropy()), device: id)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        _ = try await fixture.store.addRule(ACLRule(effect: "allow", access: "all", pattern: "a/#"), scope: .device(id))
        _ = try await fixture.store.recordFailure(for: id, from: "192.0.2.1", at: 5)
        try await fixture.store.addCertificate(CertificateRecord(
            serial: "01", device: id, fingerprint: CertificateFingerprint(derEncoded: [9]), notBefore: 0, notAfter: 1000))
        try await fixture.store.removeDevice(id)
        #expect(try await fixture.store.device(id) == nil)
        #expect(try await fixture.store.scramCredential(device: id) == nil)
        #expect(try await fixture.store.totpEnrolment(device: id) == nil)
        #expect(try await fixture.store.rules(scope: nil).isEmpty)
        #expect(try await fixture.store.record(for: id) == LockoutRecord())
        #expect(try await fixture.store.record(for: id, from: "192.0.2.1") == LockoutRecord())
        let certificate = try #require(try await fixture.store.certificate(serial: "01"))
        #expect(certificate.revokedAt == 777)
        #expect(certificate.revocationReason == "cessationOfOperation")
    }

    @Test(arguments: Backend.allCases)
    func auditEntries_roundTripInOrder(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
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

    @Test(arguments: Backend.allCases)
    func lockoutCounters_countPerSourceAndInTotal_successResetsItsSource_unlockClearsAll(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try DeviceID("a")
        let (near, far) = ("192.0.2.1", "2001:db8:0:1::/64")
        #expect(try await fixture.store.recordFailure(for: id, from: near, at: 100) == LockoutRecord(consecutiveFailures: 1, lastFailure: 100))
        #expect(try await fixture.store.recordFailure(for: id, from: near, at: 90) == LockoutRecord(consecutiveFailures: 2, lastFailure: 100))
        #expect(try await fixture.store.recordFailure(for: id, from: far, at: 95) == LockoutRecord(consecutiveFailures: 1, lastFailure: 95))
        #expect(try await fixture.store.record(for: id) == LockoutRecord(consecutiveFailures: 3, lastFailure: 100))
        try await fixture.store.recordSuccess(for: id, from: near)
        #expect(try await fixture.store.record(for: id, from: near) == LockoutRecord())
        #expect(try await fixture.store.record(for: id, from: far) == LockoutRecord(consecutiveFailures: 1, lastFailure: 95))
        #expect(try await fixture.store.record(for: id) == LockoutRecord(consecutiveFailures: 3, lastFailure: 100), "a success leaves the total")
        try await fixture.store.unlock(id)
        #expect(try await fixture.store.record(for: id) == LockoutRecord())
        #expect(try await fixture.store.record(for: id, from: far) == LockoutRecord())
    }

    /// What the failure ledger writes every linger: a batch in one transaction, applied in order,
    /// counting as the same changes one by one would — here as an in-memory counter counts them.
    @Test(arguments: Backend.allCases)
    func aBatchOfLockoutChanges_countsAsTheChangesOneByOne(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let (a, b) = (try DeviceID("a"), try DeviceID("b"))
        let changes: [LockoutChange] = [
            .failure(a, source: "192.0.2.1", at: 10), .failure(a, source: "192.0.2.1", at: 12), .failure(b, source: "192.0.2.1", at: 11),
            .success(a, source: "192.0.2.1"), .failure(a, source: "192.0.2.1", at: 13), .failure(a, source: "192.0.2.2", at: 9),
        ]
        try await fixture.store.apply(changes)
        let memory = InMemoryLockoutCounter()
        try await memory.apply(changes)
        for device in [a, b] {
            #expect(try await fixture.store.record(for: device) == memory.record(for: device))
            for source in ["192.0.2.1", "192.0.2.2"] {
                #expect(try await fixture.store.record(for: device, from: source) == memory.record(for: device, from: source))
            }
        }
        #expect(try await fixture.store.record(for: a) == LockoutRecord(consecutiveFailures: 4, lastFailure: 13))
        #expect(try await fixture.store.record(for: a, from: "192.0.2.1") == LockoutRecord(consecutiveFailures: 1, lastFailure: 13))
    }
}

extension RecordRoundTripTests {
    @Test(arguments: Backend.allCases)
    func aConnectProfile_holdsTheDeviceCredentialsAndEffectiveRules_inOneCall(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("pump-1", policy: .scramTOTP, groups: ["fleet", "north"])
        let other = try await fixture.addDevice("pump-2", groups: ["south"])
        let scram = try SCRAMCredential.generate(password: "pw", mechanism: .sha256, iterations: 4096, entropy: SystemEntropy())
        try await fixture.store.setSCRAMCredential(scram, device: id)
        let totp = try makeTOTP(.sha512, digits: 8)
        try await fixture.store.setTOTP(totp, device: id)
        #expect(try await fixture.store.accept(step: 7, for: id))
        let north = try ACLRule(effect: "deny", access: "publish", pattern: "north/#")
        let own = try ACLRule(effect: "allow", access: "all", pattern: "devices/%u/#")
        let fleet = try ACLRule(effect: "allow", access: "subscribe", pattern: "fleet/#")
        _ = try await fixture.store.addRule(north, scope: .group(DeviceGroup("north")))
        _ = try await fixture.store.addRule(own, scope: .device(id))
        _ = try await fixture.store.addRule(ACLRule(effect: "allow", access: "all", pattern: "south/#"), scope: .group(DeviceGroup("south")))
        _ = try await fixture.store.addRule(ACLRule(effect: "allow", access: "all", pattern: "x"), scope: .device(other))
        _ = try await fixture.store.addRule(fleet, scope: .group(DeviceGroup("fleet")))

        let profile = try #require(try await fixture.store.connectProfile(device: id))
        #expect(profile.device == (try await fixture.store.device(id)))
        #expect(profile.scram == scram)
        let enrolment = try #require(try profile.totp?.open())
        #expect(enrolment.totp.secret.bytes == totp.secret.bytes)
        #expect(enrolment.totp.algorithm == .sha512)
        #expect(enrolment.totp.digits == 8)
        #expect(enrolment.lastAcceptedStep == 7)
        #expect(profile.totp?.digits == 8)
        #expect(profile.lockout == LockoutRecord())
        #expect(profile.rules == [north, own, fleet], "own and group rules, in rule-id order")
        #expect(profile.rules == (try await fixture.store.effectiveRules(device: id)))

        let bare = try #require(try await fixture.store.connectProfile(device: other))
        #expect(bare.scram == nil)
        #expect(bare.totp == nil)
        #expect(bare.rules.count == 2, "its own rule and its group's")
        let lonely = try await fixture.addDevice("lonely")
        #expect(try await fixture.store.connectProfile(device: lonely)?.rules == [])
        #expect(try await fixture.store.connectProfile(device: DeviceID("ghost")) == nil)
    }

    @Test(arguments: Backend.allCases)
    func aConnectProfile_carriesTheLockoutCounter_andTheAskingSources(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a")
        _ = try await fixture.store.recordFailure(for: id, from: "192.0.2.1", at: 40)
        _ = try await fixture.store.recordFailure(for: id, from: "192.0.2.2", at: 50)
        _ = try await fixture.store.recordFailure(for: id, from: "192.0.2.2", at: 60)
        #expect(try await fixture.store.connectProfile(device: id)?.lockout == LockoutRecord(consecutiveFailures: 3, lastFailure: 60))
        #expect(try await fixture.store.connectProfile(device: id)?.sourceLockout == LockoutRecord())
        let fromSecond = try await fixture.store.connectProfile(device: id, source: "192.0.2.2")
        #expect(fromSecond?.sourceLockout == LockoutRecord(consecutiveFailures: 2, lastFailure: 60))
        #expect(try await fixture.store.connectProfile(device: id, source: "192.0.2.9")?.sourceLockout == LockoutRecord())
        #expect(try await fixture.store.connectProfile(device: DeviceID("ghost"), source: "192.0.2.2") == nil)
        try await fixture.store.unlock(id)
        #expect(try await fixture.store.connectProfile(device: id, source: "192.0.2.2")?.lockout == LockoutRecord())
        #expect(try await fixture.store.connectProfile(device: id, source: "192.0.2.2")?.sourceLockout == LockoutRecord())
    }

    @Test(arguments: Backend.allCases)
    func aConnectProfile_refusesATamperedTOTPSecret(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        var sealed = try #require(try await fixture.sealedSecrets().first)
        sealed[20] ^= 0x80
        try await fixture.setSealedSecret(sealed, device: "a")
        let profile = try #require(try await fixture.store.connectProfile(device: id), "the read itself does not open the secret")
        #expect(throws: StoreError.sealedSecretRejected("a")) { _ = try profile.totp?.open() }
    }

    @Test(arguments: Backend.allCases)
    func devices_areSortedByTheirBytes_andIdsKeepEveryAllowedCharacter(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        for name in ["b", "B", "a-1", "a_1", "a.1", "Z", "9", "a:1.b_c-d"] {
            try await fixture.addDevice(name, groups: ["g_1"])
        }
        let ids = try await fixture.store.devices().map(\.id.rawValue)
        #expect(ids == ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(ids.count == 8)
        #expect(try await fixture.store.device(DeviceID("a:1.b_c-d"))?.groups.map(\.rawValue) == ["g_1"])
    }

    @Test(arguments: Backend.allCases)
    func aFailedWrite_changesNothing(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        try await fixture.addDevice("a", groups: ["g"])
        // A duplicate id refused mid-transaction leaves no group row behind either.
        await #expect(throws: StoreError.deviceExists("a")) { try await fixture.addDevice("a", groups: ["h"]) }
        #expect(try await fixture.store.device(DeviceID("a"))?.groups.map(\.rawValue) == ["g"])
        #expect(try await fixture.store.devices().count == 1)
        // A certificate for a device that does not exist is refused and not recorded.
        let orphan = CertificateRecord(
            serial: "aa", device: try DeviceID("ghost"), fingerprint: CertificateFingerprint(derEncoded: [7]), notBefore: 0, notAfter: 1)
        await #expect(throws: StoreError.unknownDevice("ghost")) { try await fixture.store.addCertificate(orphan) }
        #expect(try await fixture.store.certificate(serial: "aa") == nil)
    }

    @Test(arguments: Backend.allCases)
    func revokedCertificates_includeThoseOfRemovedDevices_bySerial(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend, clock: { 900 })
        let a = try await fixture.addDevice("a", policy: .cert)
        let b = try await fixture.addDevice("b", policy: .cert)
        for (serial, device, byte) in [("0c", a, UInt8(1)), ("0a", b, 2), ("0b", b, 3)] {
            try await fixture.store.addCertificate(CertificateRecord(
                serial: serial, device: device, fingerprint: CertificateFingerprint(derEncoded: [byte]), notBefore: 0, notAfter: 9))
        }
        #expect(try await fixture.store.revokedCertificates().isEmpty)
        try await fixture.store.revokeCertificate(serial: "0c", at: 5, reason: "keyCompromise")
        try await fixture.store.removeDevice(b)
        let revoked = try await fixture.store.revokedCertificates()
        #expect(revoked.map(\.serial) == ["0a", "0b", "0c"])
        #expect(revoked.map(\.revokedAt) == [900, 900, 5])
    }

    @Test(arguments: Backend.allCases)
    func anEmptyAuditBatch_andLargeBatches_keepTheirOrder(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        try await fixture.store.appendAudit([])
        #expect(try await fixture.store.recentAudit(limit: 10).isEmpty)
        let entries = (0..<5_000).map { AuditEntry(time: Int64($0), method: "scram", result: "allow") }
        try await fixture.store.appendAudit(entries)
        let all = try await fixture.store.audit(after: 0, limit: 10_000)
        #expect(all.map(\.time) == entries.map(\.time))
        #expect(all.map { $0.id! } == all.map { $0.id! }.sorted())
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}
