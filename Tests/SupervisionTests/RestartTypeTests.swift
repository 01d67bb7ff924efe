import Supervision
import SupervisionTesting
import Testing

@Suite struct RestartTypeTests {
    let generous = RestartIntensity(maxRestarts: 10, within: .seconds(10))

    @Test func permanentChild_isRestartedEvenAfterANormalExit() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in [probe.spec("p")] }
        harness.probe.latest("p")?.exitNormally()
        await harness.restarted("/root/p")
        #expect(harness.probe.starts("p") == 2)
        await harness.stop()
    }

    @Test func transientChild_isRestartedAfterACrash_butNotAfterANormalOrShutdownExit() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in
            [probe.spec("t", restart: .transient), probe.spec("u", restart: .transient)]
        }
        harness.crash("t")
        await harness.restarted("/root/t")
        harness.probe.latest("t")?.exitNormally()
        await harness.events.next("child_exited", at: "/root/t")
        harness.probe.latest("u")?.shutDown()
        await harness.events.next("child_exited", at: "/root/u")
        #expect(harness.probe.starts("t") == 2 && harness.probe.starts("u") == 1)
        #expect(await harness.states() == ["t": .stopped, "u": .stopped])
        await harness.stop()
    }

    @Test func temporaryChild_isNeverRestarted_andItsSpecIsDropped() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in
            [probe.spec("tmp", restart: .temporary), probe.spec("other")]
        }
        harness.crash("tmp")
        await harness.events.next("child_exited", at: "/root/tmp")
        #expect(await harness.tree.root.whichChildren().map(\.id) == ["other"])
        #expect(harness.probe.starts("tmp") == 1)
        await harness.stop()
    }

    @Test func killThroughTheAPI_isACrash_andTheChildIsRestartedWithANewGeneration() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in [probe.spec("w")] }
        try await harness.tree.kill(path: "/root/w")
        let exit = await harness.events.next("child_exited", at: "/root/w")
        #expect(exit.detail == "killed")
        await harness.restarted("/root/w")
        #expect(harness.environment.registry.lookup("/root/w")?.generation == 2)
        await #expect(throws: SupervisorError.noSuchPath("")) { try await harness.tree.kill(path: "/root/nope") }
        await harness.stop()
    }

    @Test func terminateRestartAndDeleteChild_followOTP() async throws {
        let harness = await Harness(SupervisorOptions(intensity: generous)) { probe in [probe.spec("a"), probe.spec("b")] }
        let root = harness.tree.root
        try await root.terminateChild("a")
        #expect(await harness.states()["a"] == .stopped)
        await #expect(throws: SupervisorError.childRunning("")) { try await root.deleteChild("b") }
        try await root.restartChild("a")
        #expect(await harness.states()["a"] == .running)
        await #expect(throws: SupervisorError.childRunning("")) { try await root.restartChild("a") }
        try await root.terminateChild("a")
        try await root.deleteChild("a")
        #expect(await root.whichChildren().map(\.id) == ["b"])
        try await root.startChild(harness.probe.spec("c"))
        await #expect(throws: SupervisorError.duplicateChild("")) { try await root.startChild(harness.probe.spec("c")) }
        let counts = await root.countChildren()
        #expect(counts.specs == 2 && counts.active == 2 && counts.supervisors == 0 && counts.workers == 2)
        await harness.stop()
    }
}

@Suite struct WatchdogTests {
    @Test func childMissingItsHeartbeat_isKilledAsHung_andRestarted() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 5, within: .seconds(60)))) {
            probe in [probe.spec("beating", watchdog: Watchdog(heartbeat: .seconds(2))), probe.spec("other")]
        }
        await harness.clock.waitForSleepers()  // the watchdog's tick
        harness.probe.latest("beating")?.context.heartbeat()
        harness.clock.advance(by: .seconds(1))
        await harness.clock.waitForSleepers()
        harness.clock.advance(by: .seconds(1))
        await harness.clock.waitForSleepers()
        #expect(harness.probe.starts("beating") == 1, "beats within the limit keep it alive")
        harness.clock.advance(by: .seconds(2))
        let exit = await harness.events.next("child_exited", at: "/root/beating")
        #expect(exit.detail == "hung(no heartbeat for 2.0 seconds)")
        await harness.restarted("/root/beating")
        #expect(harness.probe.starts("other") == 1)
        await harness.stop()
    }
}
