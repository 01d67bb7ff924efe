@testable import Supervision
import SupervisionTesting
import Testing

@Suite struct IntensityTests {
    @Test func maxRestartsWithinThePeriod_areFine_andOneMoreTerminatesTheSupervisor() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 3, within: .seconds(5)))) {
            probe in [probe.spec("a"), probe.spec("b")]
        }
        for generation in 2...4 {
            harness.crash("a")
            await harness.restarted("/root/a")
            #expect(harness.probe.latest("a")?.generation == UInt64(generation))
        }
        harness.crash("a")
        await harness.events.next("intensity_exceeded", at: "/root")
        let error = await harness.outcome.error as? ShutdownExit
        #expect(error == ShutdownExit("reached_max_restart_intensity"))
        #expect(harness.probe.log.suffix(2) == ["crash a", "stop b"])
    }

    @Test func restartsOutsideTheWindow_doNotCount() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 1, within: .seconds(5)))) {
            probe in [probe.spec("a")]
        }
        for _ in 0..<4 {
            harness.crash("a")
            await harness.restarted("/root/a")
            harness.clock.advance(by: .seconds(5))
        }
        #expect(harness.probe.starts("a") == 5)
        #expect(await harness.stop().error == nil)
    }

    @Test func oneForAllRestart_countsOnce_whateverTheNumberOfChildren() async throws {
        let harness = await Harness(SupervisorOptions(
            strategy: .oneForAll, intensity: RestartIntensity(maxRestarts: 1, within: .seconds(5)))) { probe in
            [probe.spec("a"), probe.spec("b"), probe.spec("c")]
        }
        harness.crash("a")
        await harness.restarted("/root/c")
        let snapshot = await harness.tree.snapshot()
        #expect(snapshot.intensity?.used == 1)
        #expect(await harness.stop().error == nil)
    }

    @Test func failedRestartAttempt_countsTowardIntensity_andShowsTheChildRestarting() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 2, within: .seconds(5)))) {
            probe in [probe.spec("a")]
        }
        harness.probe.failStarts(of: "a", count: 5)
        harness.crash("a")
        await harness.events.next("restart_failed", at: "/root/a")
        await harness.events.next("restart_failed", at: "/root/a")
        await harness.events.next("intensity_exceeded", at: "/root")
        #expect(await harness.outcome.error as? ShutdownExit == ShutdownExit("reached_max_restart_intensity"))
        #expect(harness.probe.log.filter { $0 == "failstart a" }.count == 2)
    }

    @Test func failedRestart_isRetried_untilItSucceeds() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 5, within: .seconds(5)))) {
            probe in [probe.spec("a")]
        }
        harness.probe.failStarts(of: "a", count: 2)
        harness.crash("a")
        await harness.restarted("/root/a")
        #expect(harness.probe.log.suffix(4) == ["crash a", "failstart a", "failstart a", "start a"])
        #expect(await harness.tree.snapshot().intensity?.used == 3)
        await harness.stop()
    }

    @Test func terminateChild_doesNotCountTowardIntensity() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 0, within: .seconds(5)))) {
            probe in [probe.spec("a")]
        }
        for _ in 0..<3 {
            try await harness.tree.root.terminateChild("a")
            try await harness.tree.root.restartChild("a")
        }
        #expect(await harness.tree.snapshot().intensity?.used == 0)
        #expect(await harness.stop().error == nil)
    }

    @Test func restartWindow_allowsExactlyMaxRestarts() {
        var window = RestartWindow(RestartIntensity(maxRestarts: 2, within: .seconds(1)))
        let first = window.record(at: .zero), second = window.record(at: .milliseconds(500))
        let third = window.record(at: .milliseconds(999))
        #expect(first && second && !third)
        var sliding = RestartWindow(RestartIntensity(maxRestarts: 2, within: .seconds(1)))
        _ = sliding.record(at: .zero)
        _ = sliding.record(at: .milliseconds(500))
        let afterSlide = sliding.record(at: .seconds(1))
        #expect(afterSlide, "the restart at 0 left the window")
    }
}
