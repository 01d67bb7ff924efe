import CastellanChaos
import Foundation
import Testing

@Suite struct ChaosReportTests {
    @Test func theReport_countsPerMethodAndCredential_andTellsTheVerdicts() {
        let report = ChaosReport(scenario: "smoke.yaml", facts: ChaosInvariantsTests.clean())
        #expect(report.passed)
        #expect(report.attempts.map(\.method) == [.password, .scram, .totp])
        #expect(report.attempts[0].granted == 1000)
        #expect(report.attempts[1].denied == 10)
        #expect(report.faults.kills == 2)
        #expect(report.faults.restarts == 2)
        #expect(report.faults.metricRestarts == 2)
        #expect(report.calmLatency.count == 400)
        #expect(report.chaosLatency.count == 600)
        #expect(abs((report.calmLatency.p50 ?? 0) - 10) < 0.001)
        let text = report.text
        #expect(text.hasPrefix("chaos run: smoke.yaml"))
        #expect(text.contains("PASS  invalid_credentials_never_granted"))
        #expect(!text.contains("FAIL"))
    }

    @Test func aFailedInvariant_failsTheReport() {
        var facts = ChaosInvariantsTests.clean()
        facts.unexpectedExits = ["boom"]
        let report = ChaosReport(scenario: "smoke.yaml", facts: facts)
        #expect(!report.passed)
        #expect(report.text.contains("FAIL  service_exits_only_by_sigkill: boom"))
    }

    @Test func theJSON_hasSnakeCaseKeys_andEveryInvariant() throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(ChaosReport(scenario: "smoke.yaml", facts: ChaosInvariantsTests.clean()))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["passed"] as? Bool == true)
        let invariants = try #require(object["invariants"] as? [[String: Any]])
        #expect(invariants.count == 7)
        let faults = try #require(object["faults"] as? [String: Any])
        #expect(faults["metric_restarts"] as? Int == 2)
        #expect(object["calm_latency"] != nil)
    }
}

@Suite struct RestartCountersTests {
    @Test func restartCounters_areReadPerPath_andTheirIncreaseSummed() {
        let before = RestartCounters(prometheus: """
            # TYPE castellan_supervisor_restarts_total counter
            castellan_supervisor_restarts_total{path="/castellan/auth/scram/1"} 2
            castellan_supervisor_events_total{event="child_exited"} 9
            """)
        let after = RestartCounters(prometheus: """
            castellan_supervisor_restarts_total{path="/castellan/auth/scram/1"} 5
            castellan_supervisor_restarts_total{path="/castellan/auth/password/2"} 1.0
            castellan_supervisor_restarts_total{path="/broken"} nonsense
            """)
        #expect(before.byPath == ["/castellan/auth/scram/1": 2])
        #expect(after.byPath == ["/castellan/auth/scram/1": 5, "/castellan/auth/password/2": 1])
        #expect(after.moved(since: before) == 4)
        #expect(after.moved(since: RestartCounters()) == 6)
    }
}
