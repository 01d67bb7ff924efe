/// OTP's restart intensity counter: a sliding window of restart times.
///
/// Kept as a value with no clock of its own so the counting rule is tested on its own.
struct RestartWindow: Sendable {
    let intensity: RestartIntensity
    /// Restart times, oldest first; entries before `start` have left the window. Times only
    /// grow, so pruning moves `start` forward: O(1) per restart however large the window.
    private var times: [Duration] = []
    private var start = 0

    init(_ intensity: RestartIntensity) { self.intensity = intensity }

    /// Records one restart at `now`; `false` when that restart is one too many (it is then
    /// not kept: the supervisor gives up instead of restarting).
    mutating func record(at now: Duration) -> Bool {
        prune(at: now)
        guard times.count - start < intensity.maxRestarts else { return false }
        times.append(now)
        return true
    }

    /// Restarts inside the window at `now`.
    mutating func used(at now: Duration) -> Int {
        prune(at: now)
        return times.count - start
    }

    private mutating func prune(at now: Duration) {
        while start < times.count && now - times[start] >= intensity.within { start += 1 }
        if start > 1024 && start * 2 > times.count {
            times.removeFirst(start)
            start = 0
        }
    }
}
