/// The end of a chaos run: counts, latencies and verdicts, as a table for people (``text``)
/// and as JSON for machines (`Codable`, snake_case keys).
public struct ChaosReport: Sendable, Hashable, Codable {
    /// Connects of one method with one kind of credential.
    public struct AttemptRow: Sendable, Hashable, Codable {
        public var method: ChaosScenario.Method
        public var credential: ChaosFacts.Credential
        public var attempts: Int
        public var granted: Int
        public var denied: Int
        public var failed: Int
    }

    /// The faults and what the service said about them.
    public struct FaultCounts: Sendable, Hashable, Codable {
        public var kills: Int
        public var refusedKills: Int
        public var exits: Int
        public var restarts: Int
        public var escalations: Int
        /// How far the restart counter in /metrics moved; nil if /metrics could not be read.
        public var metricRestarts: Int?
        /// Seconds from the SIGKILL until the service was ready again; nil without a SIGKILL.
        public var serviceDownSeconds: Double?
    }

    public var scenario: String
    public var seconds: Double
    public var passed: Bool
    public var attempts: [AttemptRow]
    public var faults: FaultCounts
    /// Valid, granted connects before the faults began.
    public var calmLatency: LatencySummary
    /// Valid, granted connects once the faults began, outside the disrupted windows.
    public var chaosLatency: LatencySummary
    public var invariants: [ChaosInvariants.Verdict]

    /// Judges `facts` and gathers the numbers.
    public init(scenario: String, facts: ChaosFacts) {
        self.scenario = scenario
        seconds = ((facts.ended - facts.started) * 10).rounded() / 10
        invariants = ChaosInvariants.evaluate(facts)
        passed = invariants.allSatisfy(\.passed)
        let groups = Dictionary(grouping: facts.attempts) { [$0.method.rawValue, $0.credential.rawValue] }
        attempts = groups.values.map { group in
            AttemptRow(method: group[0].method, credential: group[0].credential, attempts: group.count,
                       granted: group.filter { $0.outcome == .granted }.count,
                       denied: group.filter { $0.outcome == .denied }.count,
                       failed: group.filter { $0.outcome == .failed }.count)
        }.sorted { ($0.method, $0.credential) < ($1.method, $1.credential) }
        faults = FaultCounts(
            kills: facts.kills.count, refusedKills: facts.refusedKills,
            exits: facts.events.filter { $0.event == "child_exited" }.count,
            restarts: facts.events.filter { $0.event == "child_restarted" }.count,
            escalations: facts.events.filter { $0.event == "intensity_exceeded" }.count,
            metricRestarts: facts.metricRestarts,
            serviceDownSeconds: facts.serviceKill.map { (($0.end - $0.start) * 100).rounded() / 100 })
        let granted = facts.attempts.filter { $0.credential == .valid && $0.outcome == .granted }
        calmLatency = LatencySummary(seconds: granted.filter { $0.start < facts.faultsStarted }.map(\.seconds))
        chaosLatency = LatencySummary(seconds: ChaosInvariants.validOutsideDisruptions(facts).filter {
            $0.outcome == .granted && $0.start >= facts.faultsStarted
        }.map(\.seconds))
    }
}
