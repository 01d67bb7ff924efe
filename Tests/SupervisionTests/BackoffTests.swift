import Supervision
import SupervisionTesting
import Testing

@Suite struct BackoffTests {
    @Test func backoffDelay_doublesUpToTheMaximum() {
        let backoff = RestartBackoff(min: .milliseconds(100), max: .seconds(1), jitter: 0.2, resetAfter: .seconds(30))
        #expect((1...6).map { backoff.baseDelay(attempt: $0) }
                == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        #expect(backoff.delay(attempt: 1, unit: 0.5) == .milliseconds(110))
    }

    @Test func withBackoff_theRestartWaitsForTheDelay_andConsecutiveCrashesWaitLonger() async throws {
        let backoff = RestartBackoff(min: .milliseconds(100), max: .seconds(1), jitter: 0.2, resetAfter: .seconds(30))
        let harness = await Harness(SupervisorOptions(
            intensity: RestartIntensity(maxRestarts: 10, within: .seconds(60)), backoff: backoff)) { probe in [probe.spec("a")] }
        harness.crash("a")
        await harness.events.next("child_exited", at: "/root/a")
        await harness.clock.waitForSleepers()
        #expect(await harness.states()["a"] == .restarting)
        harness.clock.advance(by: .milliseconds(109))
        #expect(harness.probe.starts("a") == 1)
        harness.clock.advance(by: .milliseconds(1))
        await harness.restarted("/root/a")

        harness.crash("a")
        await harness.events.next("child_exited", at: "/root/a")
        await harness.clock.waitForSleepers()
        harness.clock.advance(by: .milliseconds(110))
        #expect(await harness.states()["a"] == .restarting, "the second delay is 220 ms")
        harness.clock.advance(by: .milliseconds(110))
        let restart = await harness.events.next("child_restarted", at: "/root/a")
        #expect(restart.detail == "attempt 2, generation 3")
        await harness.stop()
    }

    @Test func afterAQuietPeriod_theBackoffStartsOverAtTheMinimum() async throws {
        let backoff = RestartBackoff(min: .milliseconds(100), max: .seconds(1), jitter: 0, resetAfter: .seconds(30))
        let harness = await Harness(SupervisorOptions(
            intensity: RestartIntensity(maxRestarts: 10, within: .seconds(60)), backoff: backoff)) { probe in [probe.spec("a")] }
        for _ in 0..<2 {
            harness.crash("a")
            await harness.events.next("child_exited", at: "/root/a")
            await harness.clock.waitForSleepers()
            harness.clock.advance(by: .seconds(1))
            await harness.restarted("/root/a")
        }
        harness.clock.advance(by: .seconds(30))
        harness.crash("a")
        await harness.events.next("child_exited", at: "/root/a")
        await harness.clock.waitForSleepers()
        harness.clock.advance(by: .milliseconds(100))
        let restart = await harness.events.next("child_restarted", at: "/root/a")
        #expect(restart.detail.hasPrefix("attempt 1,"))
        await harness.stop()
    }
}
