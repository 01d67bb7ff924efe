import Supervision

/// The demo's unreliable worker: at every tick it crashes with probability `crash_rate`,
/// so restarts show up within seconds.
///
/// Options: `interval` (default 500ms), `crash_rate` (0…1, default 0.3).
struct FlakyWorker: ChildProcess {
    struct Crash: Error, CustomStringConvertible {
        let tick: Int
        var description: String { "flaky worker crashed on purpose at tick \(tick)" }
    }

    let context: ChildContext
    let interval: Duration
    let crashRate: Double

    static let type = WorkerType("flaky") { values in
        let options = try WorkerOptions(values, allowed: ["interval", "crash_rate"])
        let interval = try options.duration("interval", default: .milliseconds(500))
        let crashRate = try options.number("crash_rate", default: 0.3, in: 0...1)
        return { context in FlakyWorker(context: context, interval: interval, crashRate: crashRate) }
    }

    func run() async throws {
        var tick = 0
        while !Task.isCancelled {
            try await context.clock.sleep(for: interval)
            tick += 1
            if Double.random(in: 0..<1) < crashRate { throw Crash(tick: tick) }
        }
    }
}
