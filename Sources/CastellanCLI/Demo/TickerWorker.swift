import Supervision

/// The demo's steady worker: ticks at its interval and proves it is alive by heartbeat.
///
/// Options: `interval` (default 1s).
struct TickerWorker: ChildProcess {
    let context: ChildContext
    let interval: Duration

    static let type = WorkerType("ticker") { values in
        let interval = try WorkerOptions(values, allowed: ["interval"]).duration("interval", default: .seconds(1))
        return { context in TickerWorker(context: context, interval: interval) }
    }

    func run() async throws {
        while !Task.isCancelled {
            try await context.clock.sleep(for: interval)
            context.heartbeat()
        }
    }
}
