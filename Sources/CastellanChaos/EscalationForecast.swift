import Supervision

/// Which supervisor the spec says will give up under a scenario's kills, if any.
///
/// A node restarted more than `intensity` times within `period` makes the supervisor (or pool)
/// that restarts it give up — OTP's rule, and ours. The forecast compares the kill rate that
/// lands on each restarting parent with that parent's intensity:
/// - `faults.path` kills one node every time: all of the rate lands on its parent.
/// - `faults.under` kills random running workers: the rate spreads over their parents in
///   proportion to how many workers each has.
/// A parent escalates when `rate × period > maxRestarts`. Only the first supervisor to give up
/// is named: the runner stops its kills there, so the escalation goes no higher.
public enum EscalationForecast {
    /// The path of the supervisor the spec predicts will exceed its intensity; nil: none.
    public static func predict(spec: SupervisorSpec, faults: ChaosScenario.Faults) -> String? {
        guard faults.killsPerSecond > 0 else { return nil }
        let parents = restartingParents(spec, path: "/" + spec.id)
        switch faults.target {
        case .path(let target):
            let parentPath = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
            guard let parent = parents.first(where: { $0.path == parentPath }) else { return nil }
            return exceeds(rate: faults.killsPerSecond, parent.intensity) ? parent.path : nil
        case .randomUnder(let base):
            let under = parents.filter { $0.path == base || $0.path.hasPrefix(base + "/") }
            let workers = under.reduce(0) { $0 + $1.workers }
            guard workers > 0 else { return nil }
            return under.first { parent in
                parent.workers > 0 && exceeds(rate: faults.killsPerSecond * Double(parent.workers) / Double(workers), parent.intensity)
            }?.path
        }
    }

    /// Whether `rate` restarts per second overflow `intensity` within its period.
    static func exceeds(rate: Double, _ intensity: RestartIntensity) -> Bool {
        rate * intensity.within.inSeconds > Double(intensity.maxRestarts)
    }

    /// Every supervisor and pool of the tree: its path, intensity, and how many workers it restarts directly.
    struct Parent {
        var path: String
        var intensity: RestartIntensity
        var workers: Int
    }

    static func restartingParents(_ spec: SupervisorSpec, path: String) -> [Parent] {
        var parents = [Parent(path: path, intensity: spec.intensity, workers: 0)]
        for child in spec.children {
            switch child.kind {
            case .worker: parents[0].workers += 1
            case .supervisor(let nested): parents += restartingParents(nested, path: path + "/" + child.id)
            case .pool(let pool): parents.append(Parent(path: path + "/" + child.id, intensity: pool.intensity, workers: pool.size))
            }
        }
        return parents
    }
}
