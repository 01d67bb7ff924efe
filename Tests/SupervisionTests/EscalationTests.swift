import Supervision
import SupervisionTesting
import Testing

@Suite struct EscalationTests {
    let once = RestartIntensity(maxRestarts: 1, within: .seconds(5))
    let generous = RestartIntensity(maxRestarts: 10, within: .seconds(10))

    @Test func childSupervisorGivingUp_isRestartedByItsParent_whenPermanent() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in
            [probe.spec("a"), .supervisor(id: "sub", SupervisorOptions(intensity: once), restart: .permanent,
                                          children: [probe.spec("w"), probe.spec("x")])]
        }
        harness.crash("w")
        await harness.restarted("/root/sub/w")
        harness.crash("w")
        await harness.events.next("intensity_exceeded", at: "/root/sub")
        let exit = await harness.events.next("child_exited", at: "/root/sub")
        #expect(exit.detail == "shutdown(reached_max_restart_intensity)")
        await harness.restarted("/root/sub")
        #expect(harness.probe.starts("w") == 3 && harness.probe.starts("x") == 2)
        #expect(harness.probe.starts("a") == 1)
        #expect(await harness.stop().error == nil)
    }

    @Test func childSupervisorGivingUp_isNotRestarted_whenTransient() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in
            [probe.spec("a"), .supervisor(id: "sub", SupervisorOptions(intensity: once), restart: .transient,
                                          children: [probe.spec("w")])]
        }
        harness.crash("w")
        await harness.restarted("/root/sub/w")
        harness.crash("w")
        await harness.events.next("child_exited", at: "/root/sub")
        #expect(await harness.states() == ["a": .running, "sub": .stopped])
        #expect(await harness.stop().error == nil)
    }

    @Test func rootGivingUp_endsTheTreeWithAnError_forTheProcessToExitNonZero() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 0, within: .seconds(1)))) {
            probe in [probe.spec("a")]
        }
        harness.crash("a")
        #expect(await harness.outcome.error is ShutdownExit)
        await harness.events.next("shutdown_complete", at: "/root")
    }
}
