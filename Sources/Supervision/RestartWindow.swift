/// OTP's restart intensity counter: a sliding window of restart times.
///
/// Kept as a value with no clock of its own so the counting rule is tested on its own.
struct RestartWindow: Sendable {
    let intensity: RestartIntensity
    private(set) var restarts: [Duration] = []

    init(_ intensity: RestartIntensity) { self.intensity = intensity }

    /// Records one restart at `now`; `false` when that restart is one too many (it is then
    /// not kept: the supervisor gives up instead of restarting).
    mutating func record(at now: Duration) -> Bool {
        prune(at: now)
        guard restarts.count < intensity.maxRestarts else { return false }
        restarts.append(now)
        return true
    }

    /// Restarts inside the window at `now`.
    mutating func used(at now: Duration) -> Int {
        prune(at: now)
        return restarts.count
    }

    private mutating func prune(at now: Duration) {
        restarts.removeAll { now - $0 >= intensity.within }
    }
}
