import MetricsTestKit
import Supervision
import SupervisionTesting
import Testing

@Suite struct EventReporterTests {
    @Test func everyEvent_isCounted_andRestartsAreCountedPerPath() async throws {
        let metrics = TestMetrics()
        let reporter = EventReporter(metrics: metrics)
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 5, within: .seconds(5)))) {
            probe in [probe.spec("a"), probe.spec("b")]
        }
        let replay = harness.tree.events(replay: true)
        let reporting = Task { await reporter.run(replay) }
        harness.crash("a")
        await harness.restarted("/root/a")
        harness.crash("a")
        await harness.restarted("/root/a")
        await harness.stop()
        await harness.events.next("shutdown_complete")
        harness.environment.events.finish()
        await reporting.value
        #expect(try metrics.expectCounter("castellan_supervisor_restarts_total", [("path", "/root/a")]).totalValue == 2)
        #expect(try metrics.expectCounter("castellan_supervisor_events_total", [("event", "child_exited")]).totalValue == 2)
        #expect(metrics.counters(label: "castellan_supervisor_restarts_total").count == 1, "b never restarted")
    }
}
