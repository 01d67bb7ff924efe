import Supervision
import SupervisionTesting
import Testing

/// One step at a time: also when an exit is handled at once on the exiting child's task,
/// requests that arrive meanwhile wait for it, and the loop takes them over afterwards.
@Suite struct StepTests {
    let generous = RestartIntensity(maxRestarts: 10, within: .seconds(10))

    @Test(.timeLimit(.minutes(1)))
    func stopRequestedWhileARestartRunsOnTheCrashedChildsTask_isHandledAfterTheRestart() async throws {
        let harness = await Harness(SupervisorOptions(strategy: .oneForAll, intensity: generous)) { probe in
            [probe.spec("a"), probe.spec("b", shutdown: .timeout(.seconds(2)), ignoresStop: true)]
        }
        harness.crash("a")
        await harness.clock.waitForSleepers()  // the restart waits out b's shutdown timeout
        await harness.tree.stop()  // returns once queued, behind the restart in progress
        harness.clock.advance(by: .seconds(2))
        await harness.restarted("/root/b")
        await harness.clock.waitForSleepers()  // now the stop waits for b
        harness.clock.advance(by: .seconds(2))
        #expect(await harness.outcome.error == nil)
        #expect(Array(harness.probe.log.suffix(6)) == ["crash a", "cancel b", "start a", "start b", "cancel b", "stop a"])
    }

    @Test(.timeLimit(.minutes(1)))
    func controlRequestWhileARestartRunsOnTheCrashedChildsTask_isAnsweredAfterTheRestart() async throws {
        let harness = await Harness(SupervisorOptions(strategy: .oneForAll, intensity: generous)) { probe in
            [probe.spec("a"), probe.spec("b", shutdown: .timeout(.seconds(2)), ignoresStop: true)]
        }
        harness.crash("a")
        await harness.clock.waitForSleepers()
        let root = harness.tree.root
        let terminating = Task { try await root.terminateChild("a") }
        harness.clock.advance(by: .seconds(2))
        try await terminating.value
        #expect(Array(harness.probe.log.suffix(5)) == ["crash a", "cancel b", "start a", "start b", "stop a"])
        #expect(await harness.states() == ["a": .stopped, "b": .running])
        let stopping = Task { await harness.stop() }
        await harness.clock.waitForSleepers()
        harness.clock.advance(by: .seconds(2))
        #expect(await stopping.value.error == nil)
    }

    @Test func cancellingTheTaskRunningTheTree_stopsTheChildrenNewestFirst() async throws {
        let harness = await Harness { probe in [probe.spec("a"), probe.spec("b")] }
        harness.running.cancel()
        #expect(await harness.outcome.error == nil)
        #expect(harness.probe.log == ["start a", "start b", "stop b", "stop a"])
    }

    @Test func controlRequestAfterTheSupervisorTerminated_isRefused() async throws {
        let harness = await Harness { probe in [probe.spec("a")] }
        await harness.stop()
        await #expect(throws: SupervisorError.shuttingDown()) { try await harness.tree.root.terminateChild("a") }
    }
}
