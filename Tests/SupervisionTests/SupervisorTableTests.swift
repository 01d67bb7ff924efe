import Supervision
import SupervisionTesting
import Testing

/// A supervisor-owned table lives as long as its supervisor instance, as an ETS table owned
/// by an OTP supervisor (no heir): through its children's crashes, not through its own end.
@Suite struct SupervisorTableTests {
    let generous = RestartIntensity(maxRestarts: 10, within: .seconds(10))

    private func table(_ harness: Harness, _ id: String) throws -> SupervisorTable<String, Int> {
        try #require(harness.probe.latest(id)).context.table("t", capacity: 4)
    }

    @Test func entries_surviveAChildsCrashAndRestart_andSiblingsShareThem() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in
            [.supervisor(id: "sub", children: [probe.spec("a"), probe.spec("b")])]
        }
        try table(harness, "a").insert(1, for: "k", lifetime: .seconds(60))
        harness.crash("a")
        await harness.restarted("/root/sub/a")
        #expect(try table(harness, "a").lookup("k") == 1, "the replacement finds what its predecessor stored")
        #expect(try table(harness, "b").take("k") == 1)
        #expect(try table(harness, "a").take("k") == nil, "taken once")
        await harness.stop()
    }

    @Test(arguments: [false, true])
    func table_isDroppedWithItsSupervisor_andTheReplacementStartsEmpty(killed: Bool) async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in
            [.supervisor(id: "sub", SupervisorOptions(intensity: RestartIntensity(maxRestarts: 0, within: .seconds(5))),
                         children: [probe.spec("a")])]
        }
        let old = try table(harness, "a")
        try old.insert(1, for: "k", lifetime: .seconds(60))
        if killed {
            try await harness.tree.kill(path: "/root/sub")
        } else {
            harness.crash("a")  // over sub's intensity: sub gives up and root restarts it
        }
        await harness.restarted("/root/sub")
        #expect(old.isDropped && old.lookup("k") == nil)
        #expect(throws: SupervisorTableError.dropped) { try old.insert(2, for: "k", lifetime: .seconds(60)) }
        let fresh = try table(harness, "a")
        #expect(fresh !== old && fresh.lookup("k") == nil)
        try fresh.insert(3, for: "k", lifetime: .seconds(60))
        #expect(fresh.lookup("k") == 3)
        await harness.stop()
        #expect(fresh.isDropped, "and dropped again when the tree stops")
    }

    @Test func update_replacesOnlyALiveEntry_keepingItsDeadline() async throws {
        let harness = await Harness { probe in [probe.spec("a")] }
        let table = try table(harness, "a")
        try table.insert(1, for: "k", lifetime: .seconds(2))
        // Compare-and-set: the transform sees the current value and may leave it as it is.
        #expect(table.update("k") { $0 == 1 ? 10 : $0 })
        #expect(table.update("k") { $0 == 1 ? 99 : $0 })
        #expect(table.lookup("k") == 10)
        #expect(!table.update("absent") { _ in 5 } && table.lookup("absent") == nil, "no entry, no insert")
        harness.clock.advance(by: .seconds(2))
        #expect(!table.update("k") { _ in 11 }, "the replacement kept the deadline, so it expired")
        try table.insert(1, for: "gone", lifetime: .seconds(2))
        #expect(table.update("gone") { _ in nil } && table.lookup("gone") == nil)
        await harness.stop()
    }

    /// A result kept only briefly (a finished exchange, for a retry of its last step) expires on
    /// its new deadline, and frees its place for an insert into a full table.
    @Test func update_withALifetime_setsANewDeadline() async throws {
        let harness = await Harness { probe in [probe.spec("a")] }
        let context = try #require(harness.probe.latest("a")).context
        let table: SupervisorTable<String, Int> = try context.table("short", capacity: 1)
        try table.insert(1, for: "k", lifetime: .seconds(30))
        #expect(table.update("k", lifetime: .seconds(2)) { $0 + 1 })
        harness.clock.advance(by: .seconds(1))
        #expect(table.lookup("k") == 2)
        #expect(throws: SupervisorTableError.full) { try table.insert(3, for: "other", lifetime: .seconds(30)) }
        harness.clock.advance(by: .seconds(1))
        try table.insert(3, for: "other", lifetime: .seconds(30))
        #expect(table.lookup("k") == nil && table.lookup("other") == 3)
        await harness.stop()
    }

    @Test func table_isBounded_andEntriesExpireOnTheTreesClock() async throws {
        let harness = await Harness { probe in [probe.spec("a")] }
        let context = try #require(harness.probe.latest("a")).context
        let table: SupervisorTable<String, Int> = try context.table("small", capacity: 2)
        try table.insert(1, for: "x", lifetime: .seconds(1))
        try table.insert(2, for: "y", lifetime: .seconds(3))
        #expect(throws: SupervisorTableError.full) { try table.insert(3, for: "z", lifetime: .seconds(1)) }
        try table.insert(20, for: "y", lifetime: .seconds(3))  // replacing is not growing
        harness.clock.advance(by: .seconds(1))
        #expect(table.lookup("x") == nil, "expired exactly at its deadline")
        try table.insert(3, for: "z", lifetime: .seconds(1))
        #expect(table.count == 2 && table.lookup("y") == 20)
        harness.clock.advance(by: .seconds(2))
        #expect(table.take("y") == nil && table.take("z") == nil)
        #expect(throws: SupervisorTableError.typeMismatch("small")) {
            let _: SupervisorTable<String, String> = try context.table("small", capacity: 2)
        }
        await harness.stop()
    }
}
