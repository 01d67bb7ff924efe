import Foundation
import Supervision
import SupervisionTesting
import Testing
@testable import CastellanCLI

@Suite struct DemoTreeTests {
    let demoSpec = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("supervision/demo.yaml").path

    @Test(.timeLimit(.minutes(1)))
    func demoSpec_buildsWithTheKnownWorkerTypes_andItsFlakyWorkersRestart() async throws {
        let spec = try SupervisionSpecLoader(workerTypes: KnownWorkerTypes.names).load(contentsOf: demoSpec)
        let clock = ManualClock()
        let tree = try spec.makeTree(using: KnownWorkerTypes.all, environment: SupervisionEnvironment(clock: clock))
        let events = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await events.next("child_started", at: "/castellan")
        let snapshot = await tree.snapshot()
        #expect(snapshot.node(at: "/castellan/workers/flaky")?.children.count == 4)
        // Time passes only when the test says so: enough ticks for a 0.3 crash rate to show.
        while events.all.allSatisfy({ $0.name != "child_restarted" }) {
            await clock.waitForSleepers(5)
            clock.advance(by: .milliseconds(500))
        }
        await events.next("child_restarted")
        await tree.stop()
        try await running.value
    }

    @Test func workerTypes_refuseBadOptions_withAClearMessage() throws {
        let yaml = """
            supervisor:
              id: demo
              children:
                - {id: f, worker: flaky, options: {crash_rate: "1.5"}}
            """
        let spec = try SupervisionSpecLoader(workerTypes: KnownWorkerTypes.names).parse(yaml, file: "bad.yaml")
        #expect(throws: SpecError.self) { try spec.makeTree(using: KnownWorkerTypes.all) }
        do {
            _ = try spec.makeTree(using: KnownWorkerTypes.all)
        } catch {
            #expect("\(error)".contains("crash_rate"))
            #expect("\(error)".hasPrefix("bad.yaml:4:"))
        }
    }
}
