/// The properties a chaos run must keep, judged over its ``ChaosFacts`` (docs/chaos.md).
public enum ChaosInvariants {
    /// One invariant's verdict, with the numbers behind it.
    public struct Verdict: Sendable, Hashable, Codable {
        public var name: String
        public var passed: Bool
        public var detail: String

        public init(name: String, passed: Bool, detail: String) {
            self.name = name
            self.passed = passed
            self.detail = detail
        }
    }

    /// The share of valid connects, per method, that must succeed outside the disrupted windows.
    ///
    /// All of them for password, certificate and TOTP: each is one request, which the pool
    /// retries on another worker when its worker is killed, and whose once-only part (the TOTP
    /// claim) runs outside the worker. 99.95 % for SCRAM: its two steps are retried too, but a
    /// step whose retry is killed as well (or, with TOTP, races its dead first run) fails closed.
    public static let requiredSuccess: [ChaosScenario.Method: Double] = [
        .password: 1, .certificate: 1, .totp: 1, .scram: 0.9995,
    ]
    /// After the SIGKILLed service is ready again, the broker's plugin reconnects on its next tick.
    public static let serviceKillGrace = 2.0
    /// After an escalated supervisor (or a whole killed node) is back, its pools take requests again.
    public static let restartGrace = 0.5

    /// Every verdict, in the report's order.
    public static func evaluate(_ facts: ChaosFacts) -> [Verdict] {
        [invalidNeverGranted(facts), replaysNeverAccepted(facts), killsSeenInStream(facts), killsSeenInMetrics(facts),
         validSucceed(facts), serviceExitsOnlyBySIGKILL(facts), escalationAsSpecSays(facts)]
    }

    static func invalidNeverGranted(_ facts: ChaosFacts) -> Verdict {
        let invalid = facts.attempts.filter { $0.credential == .invalid }
        let granted = invalid.filter { $0.outcome == .granted }.count
        return Verdict(name: "invalid_credentials_never_granted", passed: granted == 0,
                       detail: "\(granted) of \(invalid.count) connects with wrong credentials granted")
    }

    static func replaysNeverAccepted(_ facts: ChaosFacts) -> Verdict {
        let replays = facts.attempts.filter { $0.credential == .replay }
        let granted = replays.filter { $0.outcome == .granted }.count
        return Verdict(name: "totp_replays_never_accepted", passed: granted == 0,
                       detail: "\(granted) of \(replays.count) replayed TOTP codes accepted")
    }

    /// One killed path's kills against what the stream showed for it.
    public struct KillTally: Sendable, Hashable {
        public var path: String
        public var kills: Int
        public var exits: Int
        public var restarts: Int
        /// A supervisor above the path gave up, which replaces the path's own restart.
        public var replaced: Bool

        /// Exactly one exit per kill, and one restart per kill unless replaced by an escalation.
        public var accounted: Bool { exits == kills && restarts <= kills && (restarts == kills || replaced) }
        /// Nothing more to wait for: every kill's exit, and its restart or an escalation, arrived.
        public var settled: Bool { exits >= kills && (restarts >= kills || replaced) }
    }

    /// The tally of every killed path, sorted by path.
    public static func killTallies(_ facts: ChaosFacts) -> [KillTally] {
        let escalated = Set(facts.events.filter { $0.event == "intensity_exceeded" }.map(\.path))
        return Dictionary(grouping: facts.kills, by: \.path).sorted { $0.key < $1.key }.map { path, kills in
            KillTally(path: path, kills: kills.count,
                      exits: facts.events.filter { $0.path == path && $0.event == "child_exited" }.count,
                      restarts: facts.events.filter { $0.path == path && $0.event == "child_restarted" }.count,
                      replaced: escalated.contains { path.hasPrefix($0 + "/") })
        }
    }

    /// Each killed path shows one `child_exited` per kill, and one `child_restarted` per kill —
    /// fewer only when a supervisor above it gave up (`intensity_exceeded`), which replaces the restart.
    static func killsSeenInStream(_ facts: ChaosFacts) -> Verdict {
        let problems = killTallies(facts).filter { !$0.accounted }
            .map { "\($0.path): \($0.kills) kills, \($0.exits) exits, \($0.restarts) restarts" }
        let exits = facts.events.filter { $0.event == "child_exited" }.count
        let restarts = facts.events.filter { $0.event == "child_restarted" }.count
        let escalations = facts.events.filter { $0.event == "intensity_exceeded" }.count
        let summary = "\(facts.kills.count) kills, \(exits) exits, \(restarts) restarts, \(escalations) escalations in the stream"
        return Verdict(name: "every_kill_exits_and_restarts", passed: problems.isEmpty,
                       detail: problems.isEmpty ? summary : problems.prefix(3).joined(separator: "; "))
    }

    /// The restart counter moved exactly as often as the stream said a restart happened.
    static func killsSeenInMetrics(_ facts: ChaosFacts) -> Verdict {
        let restarts = facts.events.filter { $0.event == "child_restarted" }.count
        guard let moved = facts.metricRestarts else {
            return Verdict(name: "metrics_count_every_restart", passed: false, detail: "/metrics could not be read")
        }
        return Verdict(name: "metrics_count_every_restart", passed: moved == restarts,
                       detail: "castellan_supervisor_restarts_total moved by \(moved); the stream showed \(restarts) restarts")
    }

    /// The windows in which connects are expected to fail: the SIGKILL until the service is back,
    /// each escalation until its supervisor is restarted, and (for `faults.path`) each whole-node
    /// kill until that node is restarted.
    public static func disruptions(_ facts: ChaosFacts) -> [ChaosFacts.Window] {
        var windows: [ChaosFacts.Window] = []
        if let kill = facts.serviceKill {
            windows.append(ChaosFacts.Window(start: kill.start, end: kill.end + serviceKillGrace))
        }
        let restarts = facts.events.filter { $0.event == "child_restarted" }
        // A node is back when it, or a supervisor above it that gave up, is restarted.
        func restored(_ path: String, after time: Double) -> Double {
            let back = restarts.first { ($0.path == path || path.hasPrefix($0.path + "/")) && $0.time >= time }
            return back.map { $0.time + restartGrace } ?? facts.ended
        }
        for event in facts.events where event.event == "intensity_exceeded" {
            windows.append(ChaosFacts.Window(start: event.time, end: restored(event.path, after: event.time)))
        }
        if facts.wholeNodeKills {
            for kill in facts.kills { windows.append(ChaosFacts.Window(start: kill.time, end: restored(kill.path, after: kill.time))) }
        }
        return windows
    }

    /// Valid connects outside the disruptions, and how many of them were granted.
    public static func validOutsideDisruptions(_ facts: ChaosFacts) -> [ChaosFacts.Attempt] {
        let windows = disruptions(facts)
        return facts.attempts.filter { attempt in
            attempt.credential == .valid && !windows.contains { $0.overlaps(attempt.start, attempt.end) }
        }
    }

    /// Per method, at least ``requiredSuccess`` of the valid connects outside the disruptions
    /// were granted; and there was at least one.
    static func validSucceed(_ facts: ChaosFacts) -> Verdict {
        let counted = Dictionary(grouping: validOutsideDisruptions(facts), by: \.method)
        var passed = !counted.isEmpty
        var parts: [String] = []
        for method in ChaosScenario.Method.allCases {
            guard let attempts = counted[method] else { continue }
            let granted = attempts.filter { $0.outcome == .granted }.count
            let required = requiredSuccess[method] ?? 1
            // Integers, not shares: "all of them" must not hinge on a rounding.
            let enough = Double(granted) >= (required * Double(attempts.count) - 1e-9)
            passed = passed && enough
            let need = required == 1 ? "all" : "\(required * 100) %"
            parts.append("\(method.rawValue) \(granted) of \(attempts.count)" + (enough ? "" : " (need \(need))"))
        }
        let detail = parts.isEmpty ? "no valid connects outside disruptions"
            : "valid connects outside disruptions granted: " + parts.joined(separator: ", ")
        return Verdict(name: "valid_attempts_succeed", passed: passed, detail: detail)
    }

    static func serviceExitsOnlyBySIGKILL(_ facts: ChaosFacts) -> Verdict {
        Verdict(name: "service_exits_only_by_sigkill", passed: facts.unexpectedExits.isEmpty,
                detail: facts.unexpectedExits.isEmpty ? "no other exit" : facts.unexpectedExits.joined(separator: "; "))
    }

    /// The predicted supervisor gave up (and was restarted, the root surviving), or, with none
    /// predicted, no supervisor gave up at all.
    static func escalationAsSpecSays(_ facts: ChaosFacts) -> Verdict {
        let exceeded = facts.events.filter { $0.event == "intensity_exceeded" }.map(\.path)
        guard let expected = facts.predictedEscalation else {
            return Verdict(name: "escalation_as_spec_says", passed: exceeded.isEmpty,
                           detail: exceeded.isEmpty ? "none predicted, none seen" : "none predicted, but \(exceeded.joined(separator: ", ")) gave up")
        }
        let restarted = facts.events.contains { $0.path == expected && $0.event == "child_restarted" }
        let higher = exceeded.filter { expected.hasPrefix($0 + "/") }
        let passed = exceeded.contains(expected) && restarted && higher.isEmpty
        var detail = "\(expected) predicted to give up: " + (exceeded.contains(expected) ? "it did" : "it did not")
        detail += restarted ? ", and was restarted" : ", and was not restarted"
        if !higher.isEmpty { detail += "; \(higher.joined(separator: ", ")) gave up too" }
        return Verdict(name: "escalation_as_spec_says", passed: passed, detail: detail)
    }
}
