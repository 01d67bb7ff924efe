import Supervision
import SupervisionTesting
import Testing

/// Shutdown timeouts hold however the shutdown was triggered: by ``SupervisionTree/stop()``
/// or by cancelling the task that runs the tree (what SIGTERM does to `castellan serve`).
/// Newest child first; a child deaf to its stop request and to cancellation is cancelled
/// after its timeout and abandoned after as long again, on the tree's clock, so `run()` returns.
@Suite struct ShutdownTimeoutTests {
    enum Trigger: String, CaseIterable, CustomTestStringConvertible {
        case stop, cancel
        var testDescription: String { rawValue }
        /// The reason the root reports for its own termination.
        var reason: String { self == .stop ? "shutdown(shutdown)" : "shutdown(cancelled)" }

        func fire(on harness: Harness) async {
            switch self {
            case .stop: await harness.tree.stop()
            case .cancel: harness.running.cancel()
            }
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: Trigger.allCases)
    func childDeafToStopAndCancellation_isAbandonedAfterItsTimeout_andRunReturns(trigger: Trigger) async throws {
        let harness = await Harness { probe in
            [probe.spec("a"),
             probe.spec("hung", shutdown: .timeout(.seconds(2)), ignoresStop: true, ignoresCancellation: true)]
        }
        await trigger.fire(on: harness)
        await harness.probe.logged("ignore stop hung")
        await harness.clock.waitForSleepers()  // hung's shutdown timeout
        harness.clock.advance(by: .seconds(2))  // passed: hung is cancelled, and ignores that too
        await harness.clock.waitForSleepers()  // the time a cancelled child gets to end
        #expect(!harness.probe.log.contains("stop a"), "a is asked to stop only once hung is dealt with")
        harness.clock.advance(by: .seconds(2))
        #expect(await harness.outcome.error == nil)
        await harness.events.next("shutdown_complete")
        #expect(Self.shutdownEvents(harness) == [
            "child_stopped /root/hung killed",
            "child_stopped /root/a shutdown(shutdown)",
            "supervisor_terminated /root \(trigger.reason), generation 1",
            "shutdown_complete /root ",
        ])
        #expect(harness.probe.log == ["start a", "start hung", "ignore stop hung", "stop a"])
        #expect(harness.environment.registry.paths(under: "/root").isEmpty)
        harness.probe.latest("hung")?.exitNormally()  // let the abandoned task end with the test
    }

    @Test(.timeLimit(.minutes(1)), arguments: Trigger.allCases)
    func childWithInfiniteShutdown_isWaitedFor_howeverLongItTakes(trigger: Trigger) async throws {
        let harness = await Harness { probe in
            [probe.spec("a"),
             probe.spec("slow", shutdown: .infinity, ignoresStop: true, ignoresCancellation: true)]
        }
        await trigger.fire(on: harness)
        await harness.probe.logged("ignore stop slow")
        harness.clock.advance(by: .seconds(3600))  // past any timeout: `.infinity` has none
        #expect(harness.clock.sleeperCount == 0, "nothing times the stop of slow out")
        #expect(!harness.probe.log.contains("stop a"))
        harness.probe.latest("slow")?.exitNormally()
        #expect(await harness.outcome.error == nil)
        await harness.events.next("shutdown_complete")
        #expect(Self.shutdownEvents(harness) == [
            "child_stopped /root/slow shutdown(shutdown)",
            "child_stopped /root/a shutdown(shutdown)",
            "supervisor_terminated /root \(trigger.reason), generation 1",
            "shutdown_complete /root ",
        ])
        #expect(harness.probe.log == ["start a", "start slow", "ignore stop slow", "exit slow", "stop a"])
    }

    /// The events after the tree started, as `name path detail`.
    static func shutdownEvents(_ harness: Harness) -> [String] {
        harness.events.all.filter { $0.name != "child_started" }.map { "\($0.name) \($0.path) \($0.detail)" }
    }
}
