import Supervision
import SupervisionTesting
import Testing

@Suite struct StartStopTests {
    @Test func children_startInSpecOrder_andStopInReverseOrder() async throws {
        let harness = await Harness { probe in [probe.spec("a"), probe.spec("b"), probe.spec("c")] }
        #expect(harness.probe.log == ["start a", "start b", "start c"])
        let outcome = await harness.stop()
        #expect(outcome.error == nil)
        #expect(harness.probe.log == ["start a", "start b", "start c", "stop c", "stop b", "stop a"])
    }

    @Test func startFailure_stopsTheStartedChildrenNewestFirst_andFailsTheStart() async throws {
        let probe = ChildProbe()
        probe.failStarts(of: "c")
        let tree = SupervisionTree(
            id: "root", options: SupervisorOptions(),
            children: [probe.spec("a"), probe.spec("b"), probe.spec("c"), probe.spec("d")],
            environment: SupervisionEnvironment(clock: ManualClock()))
        await #expect(throws: SupervisorError.startFailed("")) { try await tree.run() }
        #expect(probe.log == ["start a", "start b", "failstart c", "stop b", "stop a"])
        #expect(probe.starts("d") == 0)
    }

    @Test func shutdownTimeout_cancelsAChildThatIgnoresTheStopRequest() async throws {
        let harness = await Harness { probe in
            [probe.spec("stubborn", shutdown: .timeout(.seconds(2)), ignoresStop: true)]
        }
        let stopping = Task { await harness.stop() }
        await harness.clock.waitForSleepers()
        #expect(!harness.probe.log.contains("cancel stubborn"), "not cancelled before the timeout")
        harness.clock.advance(by: .seconds(2))
        _ = await stopping.value
        #expect(harness.probe.log.last == "cancel stubborn")
    }

    @Test func childThatHonoursTheStopRequest_isNeverCancelled() async throws {
        let harness = await Harness { probe in [probe.spec("polite", shutdown: .timeout(.seconds(2)))] }
        await harness.stop()
        #expect(harness.probe.log == ["start polite", "stop polite"])
    }

    @Test func afterShutdown_noChildIsRunning_andShutdownCompleteIsReported() async throws {
        let harness = await Harness { probe in
            [probe.spec("a"), .supervisor(id: "sub", children: [probe.spec("b"), probe.spec("c")])]
        }
        await harness.stop()
        await harness.events.next("shutdown_complete")
        let snapshot = await harness.tree.snapshot()
        #expect(snapshot.allNodes.dropFirst().allSatisfy { $0.state == .stopped })
        #expect(harness.environment.registry.paths(under: "/root").isEmpty)
        #expect(harness.probe.log.suffix(3) == ["stop c", "stop b", "stop a"])
    }

    @Test func invalidSpecs_areRefusedBeforeAnythingStarts() async throws {
        let probe = ChildProbe()
        for children in [
            [probe.spec("a"), probe.spec("a")],
            [probe.spec("sig", restart: .permanent, significant: true)],
            [probe.spec("sig", restart: .transient, significant: true)],
            [probe.spec("bad/id")],
        ] {
            let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: children,
                                       environment: SupervisionEnvironment(clock: ManualClock()))
            await #expect(throws: SupervisorError.invalidSpec("")) { try await tree.run() }
        }
        #expect(probe.log.isEmpty)
    }
}
