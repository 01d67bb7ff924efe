import CastellanChaos
import Foundation

/// Collects what the load, the faults, the event stream and the service watcher saw, as they
/// see it; ``facts`` hands it over to be judged once the run is over.
actor ChaosRecorder {
    private(set) var facts: ChaosFacts
    /// Which run of the service the stream's events belong to (1, then 2 after the SIGKILL).
    private(set) var incarnation = 1
    /// `child_restarted` events per run of the service, to match that run's `/metrics`.
    private var restartsByIncarnation: [Int: Int] = [:]
    /// Events already recorded: a reconnected stream replays recent ones.
    private var seen: Set<ChaosFacts.Event> = []

    init() {
        let now = Date().timeIntervalSince1970
        facts = ChaosFacts(started: now, faultsStarted: now, ended: now)
    }

    /// The load's schedule, once the service and the broker are up.
    func setSchedule(started: Double, faultsStarted: Double, ended: Double) {
        facts.started = started
        facts.faultsStarted = faultsStarted
        facts.ended = ended
    }

    func record(_ attempt: ChaosFacts.Attempt) { facts.attempts.append(attempt) }
    func recordKills(_ paths: [String], at time: Double) { facts.kills += paths.map { ChaosFacts.Kill(time: time, path: $0) } }
    func recordRefusedKill() { facts.refusedKills += 1 }
    func recordUnexpectedExit(_ text: String) { facts.unexpectedExits.append(text) }
    func recordServiceKill(_ window: ChaosFacts.Window) { facts.serviceKill = window }
    func setWholeNodeKills(_ value: Bool) { facts.wholeNodeKills = value }
    func setPrediction(_ path: String?) { facts.predictedEscalation = path }
    func addMetricRestarts(_ moved: Int) { facts.metricRestarts = (facts.metricRestarts ?? 0) + moved }
    func markMetricsUnread() { facts.metricRestarts = nil }

    /// Exits, restarts and escalations matter to the invariants; starts and stops do not.
    func record(_ event: ChaosFacts.Event) {
        guard ["child_exited", "child_restarted", "intensity_exceeded"].contains(event.event),
              seen.insert(event).inserted else { return }
        facts.events.append(event)
        if event.event == "child_restarted" { restartsByIncarnation[incarnation, default: 0] += 1 }
    }

    /// The service was started again: later events and metrics belong to its new run.
    func nextIncarnation() { incarnation += 1 }

    /// `child_restarted` events seen in the current run of the service.
    var restartsThisIncarnation: Int { restartsByIncarnation[incarnation, default: 0] }

    var escalated: Bool { facts.events.contains { $0.event == "intensity_exceeded" } }

    /// Whether every kill so far shows its exit, and its restart or an escalation above it.
    var killsSettled: Bool { ChaosInvariants.killTallies(facts).allSatisfy(\.settled) }

    /// A one-line summary for the progress display.
    var progress: (connects: Int, granted: Int, kills: Int, restarts: Int) {
        (facts.attempts.count, facts.attempts.filter { $0.outcome == .granted }.count, facts.kills.count,
         facts.events.filter { $0.event == "child_restarted" }.count)
    }
}
