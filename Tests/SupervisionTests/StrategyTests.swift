import Supervision
import SupervisionTesting
import Testing

@Suite struct StrategyTests {
    let generous = RestartIntensity(maxRestarts: 10, within: .seconds(10))

    @Test func oneForOne_whenAChildCrashes_restartsOnlyThatChild() async throws {
        let harness = await Harness(SupervisorOptions(strategy: .oneForOne, intensity: generous)) { probe in
            [probe.spec("a"), probe.spec("b"), probe.spec("c")]
        }
        harness.crash("b")
        await harness.restarted("/root/b")
        #expect(harness.probe.log.suffix(2) == ["crash b", "start b"])
        #expect(harness.probe.latest("b")?.generation == 2)
        #expect(harness.probe.starts("a") == 1 && harness.probe.starts("c") == 1)
        await harness.stop()
    }

    @Test func oneForAll_whenMiddleChildCrashes_stopsOthersNewestFirst_andRestartsAllInOrder() async throws {
        let harness = await Harness(SupervisorOptions(strategy: .oneForAll, intensity: generous)) { probe in
            [probe.spec("a"), probe.spec("b"), probe.spec("c")]
        }
        harness.crash("b")
        await harness.restarted("/root/c")
        #expect(Array(harness.probe.log.suffix(6)) == ["crash b", "stop c", "stop a", "start a", "start b", "start c"])
        await harness.stop()
    }

    @Test func restForOne_whenMiddleChildCrashes_restartsItAndTheChildrenAfterIt() async throws {
        let harness = await Harness(SupervisorOptions(strategy: .restForOne, intensity: generous)) { probe in
            [probe.spec("a"), probe.spec("b"), probe.spec("c"), probe.spec("d")]
        }
        harness.crash("b")
        await harness.restarted("/root/d")
        #expect(Array(harness.probe.log.suffix(6)) == ["crash b", "stop d", "stop c", "start b", "start c", "start d"])
        #expect(harness.probe.starts("a") == 1)
        await harness.stop()
    }

    @Test func oneForAll_temporarySiblingStoppedByTheRestart_isNotRestartedAndItsSpecIsDropped() async throws {
        let harness = await Harness(SupervisorOptions(strategy: .oneForAll, intensity: generous)) { probe in
            [probe.spec("a"), probe.spec("temp", restart: .temporary), probe.spec("c")]
        }
        harness.crash("c")
        await harness.restarted("/root/c")
        #expect(harness.probe.starts("temp") == 1)
        #expect(await harness.tree.root.whichChildren().map(\.id) == ["a", "c"])
        await harness.stop()
    }
}
