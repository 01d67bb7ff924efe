import CastellanAdmin
import Foundation
import Supervision
import Testing

@Suite struct SupervisionEndpointTests {
    @Test func tree_hasPathStateGenerationAndRestarts_forEveryNode() async throws {
        let harness = try await AdminHarness()
        let response = try await harness.client.request(.GET, "/v1/supervision/tree")
        #expect(response.status == 200)
        // Check the raw JSON, not only what our decoder accepts.
        let root = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        var seen = 0
        func walk(_ node: [String: Any]) {
            seen += 1
            #expect(node["path"] is String)
            #expect(["running", "restarting", "stopped"].contains(node["state"] as? String))
            #expect(node["generation"] is NSNumber)
            #expect(node["restarts"] is NSNumber)
            for child in node["children"] as? [[String: Any]] ?? [] { walk(child) }
        }
        walk(root)
        #expect(root["path"] as? String == "/castellan")
        let nodes = await harness.server.tree.snapshot().allNodes.count
        #expect(seen == nodes)
        #expect(seen > 5)
        try await harness.stop()
    }

    @Test func killingAPoolWorker_showsItsExitThenRestart_inTheEventStream_andInTheTree() async throws {
        let harness = try await AdminHarness()
        let client = harness.client
        let worker = try #require(try await client.tree().firstWorker(under: "/castellan/auth/scram"))
        // The stream replays recent events, so it cannot miss the kill's even if it connects late.
        let watching = Task {
            var seen: [AdminEvent] = []
            try await client.events { data in
                let event = try AdminEvent(json: data)
                guard event.path == worker.path else { return true }
                seen.append(event)
                return event.event != "child_restarted"
            }
            return seen
        }
        let response = try await client.kill("{\"path\": \"\(worker.path)\"}")
        #expect(response.status == 200)
        #expect(response.text.contains("\"killed\":[\"\(worker.path)\"]"))
        let events = try await watching.value.map(\.event)
        #expect(events.suffix(2) == ["child_exited", "child_restarted"])
        let after = try #require(try await client.tree().node(at: worker.path))
        #expect(after.restarts == worker.restarts + 1)
        #expect(after.generation > worker.generation)
        #expect(after.state == .running)
        try await harness.stop()
    }

    @Test func aRandomKill_killsThatManyRunningWorkers_underThePath() async throws {
        let harness = try await AdminHarness()
        let response = try await harness.client.kill("{\"random\": 2, \"under\": \"/castellan/auth\"}")
        #expect(response.status == 200)
        struct Killed: Decodable { var killed: [String] }
        let killed = try JSONDecoder().decode(Killed.self, from: Data(response.body)).killed
        #expect(killed.count == 2)
        #expect(Set(killed).count == 2)
        #expect(killed.allSatisfy { $0.hasPrefix("/castellan/auth/") })
        try await harness.stop()
    }

    /// OTP's `exit(Root, kill)`: the root ends, nothing restarts, and `serve` (whose run this
    /// is) exits 1 on the error.
    @Test func killingTheRoot_endsTheTree_andTheServersRunThrows() async throws {
        let harness = try await AdminHarness()
        let response = try await harness.client.kill("{\"path\": \"/castellan\"}")
        #expect(response.status == 200)
        #expect(response.text.contains("\"killed\":[\"/castellan\"]"))
        #expect(await harness.runError() is KilledExit)
        #expect(harness.server.tree.environment.registry.paths(under: "/castellan").isEmpty)
        try await harness.stopAPI()
    }

    static let badBodies = [
        "not json", "[]", "{}", "{\"path\": 5}", "{\"path\": \"/castellan/auth\", \"force\": true}",
        "{\"random\": \"2\"}", "{\"random\": 1.5}", "{\"random\": 0}", "{\"random\": true}",
        "{\"path\": \"/castellan/audit\", \"random\": 1}", "{\"under\": \"/castellan\"}",
        "{\"path\": \"/castellan/audit\", \"under\": \"/castellan\"}", "{\"path\": \"relative\"}",
    ]

    @Test func badKillBodies_answer400WithAMessage_andKillNothing() async throws {
        let harness = try await AdminHarness()
        let before = try await harness.client.tree().generations
        for body in Self.badBodies {
            let response = try await harness.client.kill(body)
            #expect(response.status == 400, "\(body)")
            let message = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String]
            let error: String? = message?["error"]
            #expect(error?.isEmpty == false, "\(body)")
        }
        #expect(try await harness.client.tree().generations == before)
        try await harness.stop()
    }

    @Test func killingAnUnknownPath_answers404_andKillsNothing() async throws {
        let harness = try await AdminHarness()
        let before = try await harness.client.tree().generations
        #expect(try await harness.client.kill("{\"path\": \"/castellan/nope\"}").status == 404)
        #expect(try await harness.client.kill("{\"random\": 1000, \"under\": \"/castellan/auth\"}").status == 409)
        #expect(try await harness.client.tree().generations == before)
        try await harness.stop()
    }
}
