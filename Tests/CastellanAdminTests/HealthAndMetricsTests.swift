import CastellanAdmin
import Foundation
import Testing

@Suite struct HealthAndMetricsTests {
    @Test func healthzAndReadyz_areOK_whileTheBridgeListens() async throws {
        let harness = try await AdminHarness()
        #expect(try await harness.client.request(.GET, "/healthz").status == 200)
        #expect(try await harness.client.request(.GET, "/readyz").status == 200)
        try await harness.stop()
    }

    @Test func metrics_countTheRestart_afterAKill() async throws {
        let harness = try await AdminHarness()
        let client = harness.client
        let worker = try #require(try await client.tree().firstWorker(under: "/castellan/auth/password"))
        let restarted = Task {
            try await client.events { data in
                let event = try AdminEvent(json: data)
                return !(event.path == worker.path && event.event == "child_restarted")
            }
        }
        #expect(try await client.kill("{\"path\": \"\(worker.path)\"}").status == 200)
        try await restarted.value
        // The counter is written by the admin API's own event subscriber, not in step with
        // this test's stream: read the endpoint until it shows (bounded; each try is a real request).
        let line = "castellan_supervisor_restarts_total{path=\"\(worker.path)\"} 1"
        var text = ""
        for _ in 0..<500 where !text.contains(line) {
            let response = try await client.request(.GET, "/metrics")
            #expect(response.status == 200)
            text = response.text
            await Task.yield()
        }
        #expect(text.contains(line))
        #expect(text.contains("castellan_pool_live_workers"))
        #expect(text.contains("castellan_pool_queued_requests"))
        try await harness.stop()
    }
}
