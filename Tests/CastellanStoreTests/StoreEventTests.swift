import CastellanAuth
@testable import CastellanStore
import Testing

@Suite("Change events")
struct StoreEventTests {
    @Test func committedChanges_areDeliveredInOrder_andRefusedOnesAreNot() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", policy: .cert, groups: ["g"])
        try await fixture.store.addCertificate(CertificateRecord(
            serial: "0f", device: id, fingerprint: CertificateFingerprint(derEncoded: [1]), notBefore: 0, notAfter: 9))
        var events = fixture.store.events().makeAsyncIterator()

        try await fixture.store.setEnabled(false, device: id)
        try await fixture.store.setEnabled(false, device: id)  // no change, no event
        await #expect(throws: StoreError.self) { try await fixture.store.setEnabled(false, device: DeviceID("ghost")) }
        let ruleID = try await fixture.store.addRule(ACLRule(effect: "allow", access: "all", pattern: "x"), scope: .group(DeviceGroup("g")))
        try await fixture.store.removeRule(id: ruleID)
        try await fixture.store.revokeCertificate(serial: "0F", at: 1, reason: "keyCompromise")
        try await fixture.store.setEnabled(true, device: id)
        try await fixture.store.removeDevice(id)

        let group = ACLScope.group(try DeviceGroup("g"))
        let expected: [StoreEvent] = [
            .deviceDisabled(id), .rulesChanged(group), .rulesChanged(group),
            .certificateRevoked(serial: "0f", device: id), .deviceEnabled(id), .deviceRemoved(id),
        ]
        var received: [StoreEvent] = []
        for _ in expected { received.append(try #require(await events.next())) }
        #expect(received == expected)
    }

    @Test func everyOpenStream_receivesEveryEvent() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a")
        var first = fixture.store.events().makeAsyncIterator()
        var second = fixture.store.events().makeAsyncIterator()
        try await fixture.store.setEnabled(false, device: id)
        #expect(await first.next() == .deviceDisabled(id))
        #expect(await second.next() == .deviceDisabled(id))
    }
}
