import Foundation
import Supervision
import SupervisionTesting
import Testing

@Suite struct IntrospectionTests {
    @Test func snapshot_encodesTheWholeTreeAsJSON_withPathStateGenerationAndRestarts() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 5, within: .seconds(5)))) {
            probe in [probe.spec("a"), .supervisor(id: "auth", SupervisorOptions(strategy: .restForOne),
                                                   children: [probe.spec("scram")])]
        }
        harness.crash("a")
        await harness.restarted("/root/a")
        let data = try JSONEncoder().encode(await harness.tree.snapshot())
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["path"] as? String == "/root")
        // The root is the first instance at its path: generation 1, as its events say, never 0.
        #expect(json["generation"] as? Int == 1)
        #expect(json["strategy"] as? String == "one_for_one")
        let intensity = try #require(json["intensity"] as? [String: Any])
        #expect(intensity["used"] as? Int == 1 && intensity["max_restarts"] as? Int == 5 && intensity["period_ms"] as? Int == 5000)
        let children = try #require(json["children"] as? [[String: Any]])
        #expect(children.map { $0["path"] as? String } == ["/root/a", "/root/auth"])
        #expect(children[0]["generation"] as? Int == 2 && children[0]["restarts"] as? Int == 1)
        #expect(children[0]["state"] as? String == "running")
        #expect(children[1]["strategy"] as? String == "rest_for_one")
        let grandchildren = try #require(children[1]["children"] as? [[String: Any]])
        #expect(grandchildren.first?["path"] as? String == "/root/auth/scram")
        await harness.stop()
    }

    @Test func dynamicSupervisor_startsChildrenOnDemand_upToMaxChildren() async throws {
        let probe = ChildProbe()
        let clock = ManualClock()
        let environment = SupervisionEnvironment(clock: clock)
        let pool = Supervisor(path: "/pool", dynamic: DynamicSupervisorOptions(maxChildren: 2),
                              template: probe.spec("w", restart: .temporary), environment: environment)
        try await pool.start()
        let running = Task { try await pool.run() }
        #expect(try await pool.startChild() == "1")
        #expect(try await pool.startChild() == "2")
        await #expect(throws: SupervisorError.maxChildren(2)) { try await pool.startChild() }
        await #expect(throws: SupervisorError.notDynamic()) { try await pool.startChild(probe.spec("x")) }
        try await pool.terminateChild("1")
        #expect(await pool.whichChildren().map(\.path) == ["/pool/2"])
        await pool.stop()
        try await running.value
        #expect(await pool.countChildren().active == 0)
    }

    @Test func events_replayRecentOnes_toLateSubscribers() async throws {
        let harness = await Harness { probe in [probe.spec("a")] }
        var replay = harness.tree.events(replay: true).makeAsyncIterator()
        let first = await replay.next()
        #expect(first?.path == "/root/a" && first?.name == "child_started")
        await harness.stop()
    }
}
