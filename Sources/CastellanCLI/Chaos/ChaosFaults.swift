import CastellanChaos
import Foundation

/// The scenario's faults, in time: kills at a steady rate from the end of the calm phase, the
/// one SIGKILL of the whole service at its moment, and nothing more once a supervisor gave up.
///
/// Kills pause for a second before the SIGKILL, so their events reach the stream (and the
/// counters) before the service dies with them; the SIGKILL itself is `serviceKill`, which
/// returns once the service runs again.
struct ChaosFaults {
    let faults: ChaosScenario.Faults
    let admin: ChaosAdmin
    let recorder: ChaosRecorder
    let serviceKill: () async throws -> Void

    /// Runs from `start` to `end` (Unix seconds).
    func run(from start: Double, until end: Double) async throws {
        let interval = faults.killsPerSecond > 0 ? 1 / faults.killsPerSecond : Double.infinity
        var pendingSIGKILL = faults.serviceKill.map { start + $0.at }
        var next = faults.killsPerSecond > 0 ? start : Double.infinity
        while true {
            let now = Date().timeIntervalSince1970
            if let at = pendingSIGKILL, now >= at {
                pendingSIGKILL = nil
                try await serviceKill()
                continue
            }
            if next <= now && next < end {
                // A kill loop that fell behind (the SIGKILL, a slow service) does not make up for it in a burst.
                next = max(next + interval, now - 1)
                if let at = pendingSIGKILL, now >= at - 1 { continue }
                if await recorder.escalated { continue }
                if let killed = await admin.kill(faults.target) {
                    await recorder.recordKills(killed, at: now)
                } else {
                    await recorder.recordRefusedKill()
                }
                continue
            }
            let wake = min(next, pendingSIGKILL ?? .infinity)
            if wake >= end { return }
            try await Task.sleep(for: .seconds(max(0, wake - now)))
        }
    }
}
