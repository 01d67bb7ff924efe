import CastellanChaos
import Foundation
import Supervision
import Testing

@Suite struct ChaosScenarioLoaderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let minimal = """
        duration: 10s
        load:
          connections: 2
          valid: {password: 1}
        """

    @Test func theShippedScenarios_load() throws {
        for name in ["smoke", "storm", "barrage", "soak"] {
            let scenario = try ChaosScenarioLoader.load(contentsOf: Self.repository + "/supervision/chaos/\(name).yaml")
            #expect(scenario.tree == "../castellan.yaml")
            #expect(scenario.load.valid.values.reduce(0, +) > 0)
        }
        let soak = try ChaosScenarioLoader.load(contentsOf: Self.repository + "/supervision/chaos/soak.yaml")
        #expect(soak.duration == 600)
        #expect(soak.faults.serviceKill == ChaosScenario.ServiceKill(at: 300, down: 2))
        let storm = try ChaosScenarioLoader.load(contentsOf: Self.repository + "/supervision/chaos/storm.yaml")
        #expect(storm.faults.target == .path("/castellan/auth/scram"))
        #expect(storm.expectedEscalation == "/castellan/auth")
        #expect(storm.load.rate == nil)
        let smoke = try ChaosScenarioLoader.load(contentsOf: Self.repository + "/supervision/chaos/smoke.yaml")
        #expect(smoke.load.rate == 40)
        // Issue 19's goal: 40 s of ten kills a second under /castellan/auth, unpaced, no escalation.
        let barrage = try ChaosScenarioLoader.load(contentsOf: Self.repository + "/supervision/chaos/barrage.yaml")
        #expect(barrage.duration - barrage.calm == 40)
        #expect(barrage.faults.killsPerSecond == 10 && barrage.faults.target == .randomUnder("/castellan/auth"))
        #expect(barrage.load.rate == nil && barrage.expectedEscalation == nil)
    }

    @Test func aMinimalScenario_hasNoFaults_andNoCalmPhase() throws {
        let scenario = try ChaosScenarioLoader.parse(Self.minimal, file: "s.yaml")
        #expect(scenario.duration == 10)
        #expect(scenario.calm == 0)
        #expect(scenario.load.valid == [.password: 1])
        #expect(scenario.load.invalid.isEmpty)
        #expect(scenario.faults.killsPerSecond == 0)
        #expect(scenario.faults.serviceKill == nil)
        #expect(scenario.expectedEscalation == nil)
    }

    @Test(arguments: [
        ("duration: 10s\nload: {connections: 2, valid: {password: 1}}\nfautls: {}\n", 3, "fautls", "unknown key 'fautls'"),
        ("duration: 10s\nload: {connections: 2, valid: {passwd: 1}}\n", 2, "load.valid.passwd", "unknown key 'passwd'"),
        ("duration: 10s\nload: {connections: 0, valid: {password: 1}}\n", 2, "load.connections", "between 1 and"),
        ("duration: 10s\nload: {connections: 1, rate: 0, valid: {password: 1}}\n", 2, "load.rate", "more than zero"),
        ("duration: 10s\nload: {connections: 2, valid: {password: 0}}\n", 2, "load.valid", "at least one device"),
        ("duration: 10s\ncalm: 10s\nload: {connections: 2, valid: {password: 1}}\n", 2, "calm", "shorter than the duration"),
        ("duration: ten\nload: {connections: 2, valid: {password: 1}}\n", 1, "duration", "found 'ten'"),
        ("duration: 10s\nload: {connections: 2, valid: {password: 1}}\nfaults: {kills_per_second: 2}\n", 3, "faults", "need a target"),
        ("duration: 10s\nload: {connections: 2, valid: {password: 1}}\nfaults: {kills_per_second: 2, under: /a, path: /b}\n", 3,
         "faults.path", "not both"),
        ("duration: 10s\nload: {connections: 2, valid: {password: 1}}\nfaults: {kills_per_second: 2, under: castellan}\n", 3,
         "faults.under", "tree path"),
        ("duration: 10s\nload: {connections: 2, valid: {password: 1}}\nfaults: {sigkill: {at: 20s}}\n", 3,
         "faults.sigkill.at", "before the end"),
        ("duration: 10s\nload: {connections: 2, valid: {password: 1}}\nexpect: {escalation: auth}\n", 3, "expect.escalation", "tree path"),
    ])
    func aBadScenario_isRefused_atItsLineAndField(yaml: String, line: Int, field: String, message: String) {
        #expect {
            try ChaosScenarioLoader.parse(yaml, file: "bad.yaml")
        } throws: { error in
            guard let error = error as? SpecError else { return false }
            return error.file == "bad.yaml" && error.line == line && error.field == field && error.message.contains(message)
        }
    }

    @Test func aMissingFile_isRefused_namingIt() {
        #expect(throws: SpecError.self) { try ChaosScenarioLoader.load(contentsOf: "/nonexistent/chaos.yaml") }
    }

    @Test func yamlSyntaxErrors_areRefused_withAPosition() {
        #expect {
            try ChaosScenarioLoader.parse("duration: [10s\n", file: "broken.yaml")
        } throws: { error in
            (error as? SpecError).map { $0.line > 0 && $0.message.contains("YAML syntax error") } ?? false
        }
    }
}
