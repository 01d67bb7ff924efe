import CastellanAuth
import Foundation
@testable import CastellanStore
import PostgresNIO
import SupervisionTesting
import Testing

@Suite("Change log")
struct ChangeLogTests {
    @Test(arguments: Backend.allCases)
    func everyMutation_isLoggedInOrder_withItsActor_andRefusedOnesAreNot(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let start = try await fixture.store.latestChangeID()
        let id = try await fixture.addDevice("a", policy: .cert, groups: ["g"])
        let group = ACLScope.group(try DeviceGroup("g"))

        try await ChangeActor.$current.withValue("admin:ops") {
            try await fixture.store.addCertificate(CertificateRecord(
                serial: "0F", device: id, fingerprint: CertificateFingerprint(derEncoded: [1]), notBefore: 0, notAfter: 9))
            try await fixture.store.setEnabled(false, device: id)
        }
        try await fixture.store.setEnabled(false, device: id)  // no change, no record
        await #expect(throws: StoreError.self) { try await fixture.store.setEnabled(false, device: DeviceID("ghost")) }
        let ruleID = try await fixture.store.addRule(ACLRule(effect: "allow", access: "all", pattern: "x"), scope: group)
        try await fixture.store.removeRule(id: ruleID)
        try await fixture.store.setSCRAMCredential(
            SCRAMCredential.generate(password: "pw", mechanism: .sha256, iterations: 4096, entropy: SystemEntropy()), device: id)
        try await fixture.store.setTOTP(TOTP(secret: TOTPSecret(bytes: Array(repeating: 7, count: 20))), device: id)
        try await fixture.store.removeTOTP(device: id)
        try await fixture.store.removeTOTP(device: id)  // nothing to remove, no record
        try await fixture.store.setGroups([try DeviceGroup("h")], device: id)
        try await fixture.store.setGroups([try DeviceGroup("h")], device: id)  // the same groups, no record
        try await fixture.store.revokeCertificate(serial: "0F", at: 1, reason: "keyCompromise")
        try await fixture.store.revokeCertificate(serial: "0f", at: 2, reason: "keyCompromise")  // already revoked
        try await fixture.store.unlock(id)
        try await fixture.store.rotateMasterKey(to: MasterKey.generate())
        try await fixture.store.setEnabled(true, device: id)
        try await fixture.store.removeDevice(id)

        let expected: [StoreEvent] = [
            .deviceAdded(id), .certificateIssued(serial: "0f", device: id), .deviceDisabled(id),
            .rulesChanged(group), .rulesChanged(group), .credentialsChanged(id, .secret), .credentialsChanged(id, .totp),
            .credentialsChanged(id, .totp), .groupsChanged(id), .certificateRevoked(serial: "0f", device: id),
            .deviceUnlocked(id), .masterKeyRotated, .deviceEnabled(id), .deviceRemoved(id),
        ]
        let records = try await fixture.store.changes(after: start, limit: 100)
        #expect(records.map(\.event) == expected)
        #expect(records.map(\.id) == records.map(\.id).sorted())
        #expect(Set(records.map(\.id)).count == records.count)
        #expect(records[1].actor == "admin:ops" && records[2].actor == "admin:ops")
        #expect(records[0].actor == ChangeActor.osUser && records[0].actor.hasPrefix("user:"))
        #expect(try await fixture.store.recentChanges(limit: 2).map(\.event) == [.deviceEnabled(id), .deviceRemoved(id)])
        #expect(try await fixture.store.latestChangeID() == records.last?.id)
    }

    @Test(arguments: Backend.allCases)
    func everyFollower_receivesEveryLaterChange_once(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a")
        var first = try await fixture.store.events().makeAsyncIterator()
        var second = try await fixture.store.events().makeAsyncIterator()
        try await fixture.store.setEnabled(false, device: id)
        try await fixture.store.setEnabled(true, device: id)
        for expected in [StoreEvent.deviceDisabled(id), .deviceEnabled(id)] {
            #expect(await first.next()?.event == expected)
            #expect(await second.next()?.event == expected)
        }
    }

    /// What the service's follower sees of the CLI: another store instance on the same database
    /// (on SQLite another set of connections, found through `PRAGMA data_version`).
    @Test(arguments: Backend.allCases)
    func aWriteThroughAnotherInstance_reachesTheFollower(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("pump", groups: ["g"])
        let other = try await fixture.reopen()
        var follower = try await fixture.store.events().makeAsyncIterator()

        try await other.setEnabled(false, device: id)
        await #expect(throws: StoreError.unknownDevice("ghost")) { try await other.setEnabled(false, device: DeviceID("ghost")) }
        try await other.removeDevice(id)

        #expect(await follower.next()?.event == .deviceDisabled(id))
        #expect(await follower.next()?.event == .deviceRemoved(id))
        await other.close()
    }

    /// NOTIFY only wakes a follower: changes committed while its LISTEN connection is gone are
    /// read by id once it is back.
    @Test func changesCommittedWhileTheListenerIsDown_areStillFollowed_withPostgres() async throws {
        let fixture = try await StoreFixture(.postgres)
        let store = fixture.postgres
        let id = try await fixture.addDevice("pump")
        let other = try await fixture.reopen()
        var follower = try await store.events().makeAsyncIterator()
        try await other.setEnabled(false, device: id)
        #expect(await follower.next()?.event == .deviceDisabled(id))

        // Every backend of the database but this query's — the follower's LISTEN connection among them.
        let terminated = try await (other as! PostgresStore).read { connection in
            try await connection.query("""
                SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t
                """, logger: store.logger).collect().first?.decode(Int.self)
        }
        #expect((terminated ?? 0) >= 1)
        try await other.setEnabled(true, device: id)
        try await other.setEnabled(false, device: id)

        #expect(await follower.next()?.event == .deviceEnabled(id))
        #expect(await follower.next()?.event == .deviceDisabled(id))
        await other.close()
    }

    /// The fast lane's question, the newest change id at once, is answered from the WAL index's
    /// header while nothing commits: a commit by another process — here Python's own SQLite,
    /// writing a row as a foreign writer would — is seen by the very next call, and SQLite is
    /// asked again only after a commit.
    @Test func theNewestChangeNow_seesAnotherProcesssCommitAtOnce_andAsksSQLiteOnlyAfterOne() async throws {
        let fixture = try await StoreFixture(.sqlite)
        let store = fixture.sqlite
        #expect(store.walIndex != nil)
        let id = try await fixture.addDevice("a")
        var head = try #require(store.latestChangeIDNow())
        #expect(head == (try await store.latestChangeID()))
        let reads = store.changeHeadReads.load(ordering: .relaxed)
        for _ in 0..<100 { #expect(store.latestChangeIDNow() == head) }
        // One exact read per `headerTrust` at most: at most one more on a machine busy enough to stretch 100 calls.
        #expect(store.changeHeadReads.load(ordering: .relaxed) - reads <= 1)

        for round in 0..<5 {
            let python = Process()
            python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            python.arguments = ["-c", """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1])
                c.execute("INSERT INTO changes (time, kind, device_id, actor) VALUES (0, 'device.disabled', 'a', 'test')")
                c.commit()
                """, fixture.databasePath]
            try launch(python)
            python.waitUntilExit()
            #expect(python.terminationStatus == 0)
            #expect(store.latestChangeIDNow() == head + 1, "round \(round)")
            head += 1
        }
        let other = try await fixture.reopen()
        try await other.setEnabled(false, device: id)
        #expect(store.latestChangeIDNow() == head + 1)
        await other.close()
    }

    @Test(arguments: Backend.allCases)
    func closingTheStore_endsItsFollowers(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        var events = try await fixture.store.events().makeAsyncIterator()
        await fixture.store.close()
        #expect(await events.next() == nil)
    }

    @Test func everyEvent_survivesTheLogsColumns() throws {
        let id = try DeviceID("a-b.c")
        let events: [StoreEvent] = [
            .deviceAdded(id), .deviceDisabled(id), .deviceEnabled(id), .deviceRemoved(id), .deviceUnlocked(id),
            .groupsChanged(id), .certificateIssued(serial: "0a", device: id), .certificateRevoked(serial: "0a1b", device: id),
            .rulesChanged(.device(id)), .rulesChanged(.group(try DeviceGroup("g1"))), .credentialsChanged(id, .secret),
            .credentialsChanged(id, .totp), .masterKeyRotated, .enrolmentTokenIssued(id), .enrolmentTokenUsed(id), .clientIDChanged(id),
        ]
        for event in events {
            let columns = event.columns
            #expect(StoreEvent(kind: columns.kind, device: columns.device, detail: columns.detail) == event)
        }
        // A newer writer's kinds, and rows missing what their kind needs, are skipped.
        for (kind, device, detail) in [("device.renamed", "a", nil), ("device.disabled", nil, nil), ("certificate.revoked", "a", nil),
                                       ("credential.retina", "a", nil), ("rules.group", nil, nil)] as [(String, String?, String?)] {
            #expect(StoreEvent(kind: kind, device: device, detail: detail) == nil, "\(kind)")
        }
    }
}
