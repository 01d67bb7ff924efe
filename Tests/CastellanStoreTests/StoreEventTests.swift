import CastellanAuth
@testable import CastellanStore
import Testing

@Suite("Change events")
struct StoreEventTests {
    @Test(arguments: Backend.allCases)
    func committedChanges_areDeliveredInOrder_andRefusedOnesAreNot(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
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

    @Test(arguments: Backend.allCases)
    func everyOpenStream_receivesEveryEvent(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a")
        var first = fixture.store.events().makeAsyncIterator()
        var second = fixture.store.events().makeAsyncIterator()
        try await fixture.store.setEnabled(false, device: id)
        #expect(await first.next() == .deviceDisabled(id))
        #expect(await second.next() == .deviceDisabled(id))
    }

    @Test func aWriteThroughOneInstance_isAnEventOnEveryOtherInstance_withPostgres() async throws {
        let fixture = try await StoreFixture(.postgres)
        let a = fixture.store
        let b = try await fixture.reopen()
        let c = try await fixture.reopen()
        let id = try await fixture.addDevice("pump", groups: ["g"])
        var onB = b.events().makeAsyncIterator()
        var onC = c.events().makeAsyncIterator()
        var onA = a.events().makeAsyncIterator()

        try await a.setEnabled(false, device: id)
        await #expect(throws: StoreError.unknownDevice("ghost")) { try await a.setEnabled(false, device: DeviceID("ghost")) }
        try await c.removeDevice(id)

        let expected: [StoreEvent] = [.deviceDisabled(id), .deviceRemoved(id)]
        for iterator in [0, 1, 2] {
            var received: [StoreEvent] = []
            for _ in expected {
                switch iterator {
                case 0: received.append(try #require(await onA.next()))
                case 1: received.append(try #require(await onB.next()))
                default: received.append(try #require(await onC.next()))
                }
            }
            #expect(received == expected, "instance \(iterator)")
        }
        await b.close()
        await c.close()
    }

    @Test(arguments: Backend.allCases)
    func closingTheStore_endsItsStreams(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        var events = fixture.store.events().makeAsyncIterator()
        await fixture.store.close()
        #expect(await events.next() == nil)
    }

    @Test func everyEvent_survivesTheNotificationPayload() throws {
        let id = try DeviceID("a.b_c:d-E9")
        let events: [StoreEvent] = [
            .deviceDisabled(id), .deviceEnabled(id), .deviceRemoved(id), .certificateRevoked(serial: "0a1b", device: id),
            .rulesChanged(.device(id)), .rulesChanged(.group(try DeviceGroup("g_1"))), .credentialsChanged(id),
        ]
        for event in events { #expect(StoreEvent(notificationPayload: event.notificationPayload) == event) }
        for junk in ["", "disabled", "disabled\t", "disabled\ta\tb", "revoked\t\ta", "nonsense\ta", "disabled\ta/b"] {
            #expect(StoreEvent(notificationPayload: junk) == nil, "\(junk.debugDescription)")
        }
    }
}
