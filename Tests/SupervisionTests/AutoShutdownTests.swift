import Supervision
import SupervisionTesting
import Testing

@Suite struct AutoShutdownTests {
    @Test func anySignificant_shutsTheSupervisorDown_whenOneSignificantChildExits() async throws {
        let harness = await Harness(SupervisorOptions(autoShutdown: .anySignificant)) { probe in
            [probe.spec("a"), probe.spec("job", restart: .transient, significant: true), probe.spec("c")]
        }
        harness.probe.latest("job")?.exitNormally()
        let error = await harness.outcome.error as? ShutdownExit
        #expect(error == ShutdownExit("auto_shutdown"))
        #expect(harness.probe.log.suffix(2) == ["stop c", "stop a"])
    }

    @Test func allSignificant_waitsForEverySignificantChild() async throws {
        let harness = await Harness(SupervisorOptions(autoShutdown: .allSignificant)) { probe in
            [probe.spec("one", restart: .temporary, significant: true),
             probe.spec("two", restart: .temporary, significant: true), probe.spec("keeper")]
        }
        harness.probe.latest("one")?.exitNormally()
        await harness.events.next("child_exited", at: "/root/one")
        #expect(await harness.states()["keeper"] == .running)
        harness.crash("two")
        #expect(await harness.outcome.error as? ShutdownExit == ShutdownExit("auto_shutdown"))
        #expect(harness.probe.log.last == "stop keeper")
    }

    @Test func significantTransientChild_restartedAfterACrash_doesNotTriggerAutoShutdown() async throws {
        let harness = await Harness(SupervisorOptions(
            intensity: RestartIntensity(maxRestarts: 5, within: .seconds(5)), autoShutdown: .anySignificant)) { probe in
            [probe.spec("job", restart: .transient, significant: true)]
        }
        harness.crash("job")
        await harness.restarted("/root/job")
        #expect(await harness.stop().error == nil)
    }

    @Test func significantChildUnderNever_isRefused_asOTPRefusesIt() async throws {
        let probe = ChildProbe()
        let tree = SupervisionTree(
            id: "root", options: SupervisorOptions(autoShutdown: .never),
            children: [probe.spec("job", restart: .temporary, significant: true)],
            environment: SupervisionEnvironment(clock: ManualClock()))
        await #expect(throws: SupervisorError.invalidSpec("")) { try await tree.run() }
        #expect(probe.log.isEmpty)
    }
}
