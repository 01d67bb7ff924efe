import CastellanChaos
import CastellanService
import Supervision
import Testing

@Suite struct EscalationForecastTests {
    static func tree() throws -> SupervisorSpec {
        try SupervisionSpecLoader(workerTypes: ServiceWorkerTypes.names)
            .load(contentsOf: ChaosScenarioLoaderTests.repository + "/supervision/castellan.yaml")
    }

    @Test func killingAPoolPastItsParentsIntensity_escalatesToTheParent() throws {
        let faults = ChaosScenario.Faults(killsPerSecond: 40, target: .path("/castellan/auth/scram"), serviceKill: nil)
        #expect(EscalationForecast.predict(spec: try Self.tree(), faults: faults) == "/castellan/auth")
    }

    @Test func killingAPoolWithinItsParentsIntensity_escalatesNowhere() throws {
        let faults = ChaosScenario.Faults(killsPerSecond: 5, target: .path("/castellan/auth/scram"), serviceKill: nil)
        #expect(EscalationForecast.predict(spec: try Self.tree(), faults: faults) == nil)
    }

    @Test func randomWorkerKills_spreadOverThePools() throws {
        let tree = try Self.tree()
        // Six workers in three pools of intensity 100/1s: 2 kills/s is nothing, 900/s overflows each pool.
        #expect(EscalationForecast.predict(spec: tree, faults: .init(killsPerSecond: 2, target: .randomUnder("/castellan/auth"), serviceKill: nil)) == nil)
        let flood = EscalationForecast.predict(spec: tree, faults: .init(killsPerSecond: 900, target: .randomUnder("/castellan/auth"), serviceKill: nil))
        #expect(flood?.hasPrefix("/castellan/auth/") == true)
    }

    @Test func noKills_predictNothing() throws {
        #expect(EscalationForecast.predict(spec: try Self.tree(), faults: .init(killsPerSecond: 0, target: .path("/castellan/auth/scram"), serviceKill: nil)) == nil)
    }
}
