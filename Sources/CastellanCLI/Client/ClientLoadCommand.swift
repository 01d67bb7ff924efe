import ArgumentParser
import CastellanClient
import NIOCore
import NIOPosix

/// `castellan client load`: N concurrent devices connecting and disconnecting in a loop.
///
/// Each of the N workers repeats connect → CONNACK → DISCONNECT until the duration is over;
/// latency is CONNECT-to-CONNACK including TCP/TLS setup. A refused or failed connect counts as
/// a failure and the worker goes on (this is the load generator of the chaos tests).
struct ClientLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Open N concurrent connections that reconnect in a loop; report connects/s and p50/p99.")

    @OptionGroup var options: ClientOptions

    @Option(help: "Concurrent connections.")
    var connections: Int

    @Option(help: "Seconds to run.")
    var duration: Double

    @Option(help: "Stop each connection after this many connect attempts (default: run for the whole duration).")
    var count: Int?

    func run() async throws {
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be 1...10000") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be 0 < s <= 86400") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        let count = count ?? Int.max
        let configuration = try options.configuration()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(duration * 1000))
        let results = await withTaskGroup(of: LoadSample.self) { group in
            for _ in 0..<connections {
                let worker = LoadWorker(eventLoop: MultiThreadedEventLoopGroup.singleton.next())
                group.addTask(executorPreference: worker.taskExecutor) {
                    await worker.run(configuration, until: deadline, count: count, clock: clock)
                }
            }
            return await group.reduce(into: LoadSample()) { $0.merge($1) }
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = results.latenciesMicroseconds.sorted()
        let rate = Double(sorted.count) / max(seconds, 1e-9)
        let p50 = Self.percentile(sorted, 0.50)
        let p99 = Self.percentile(sorted, 0.99)
        ClientOutput.emit(
            json: options.json,
            ["connects_per_s": (rate * 10).rounded() / 10, "p50_us": p50, "p99_us": p99, "failures": results.failures,
             "connects": sorted.count, "seconds": (seconds * 1e6).rounded() / 1e6],
            text: "\(sorted.count) connects in \(String(format: "%.1f", seconds)) s: \(String(format: "%.1f", rate)) connects/s, "
                + "p50 \(p50) µs, p99 \(p99) µs, \(results.failures) failures")
    }

    private static func percentile(_ sorted: [Int], _ fraction: Double) -> Int {
        guard !sorted.isEmpty else { return 0 }
        let index = Int((Double(sorted.count - 1) * fraction).rounded(.up))
        return sorted[min(index, sorted.count - 1)]
    }
}

/// One connection's loop, on the event loop its clients use: the loop, the client and its
/// connection are one thread's work, so the load costs the machine it measures little beyond
/// the connects themselves (a thread hop is a wake-up).
private actor LoadWorker {
    let eventLoop: any EventLoop
    /// Held, as `MQTTClient` holds its own: `unownedExecutor` does not keep it alive.
    private let executor: any SerialExecutor
    /// The same loop as the worker's task's executor: a wait on a continuation (NIO's, the
    /// client's) resumes on the task's executor before it returns to the actor's, and this makes
    /// that the loop too, not the shared pool. Held here, so it lives as long as the task that
    /// runs the worker.
    nonisolated let taskExecutor: EventLoopTaskExecutor

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        executor = eventLoop.executor
        taskExecutor = EventLoopTaskExecutor(eventLoop: eventLoop)
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    func run(_ configuration: MQTTClientConfiguration, until deadline: ContinuousClock.Instant,
             count: Int, clock: ContinuousClock) async -> LoadSample {
        var sample = LoadSample()
        var attempts = 0
        while attempts < count && clock.now < deadline && !Task.isCancelled {
            attempts += 1
            let client = MQTTClient(configuration: configuration, eventLoop: eventLoop)
            let began = clock.now
            do {
                _ = try await client.connect()
                let latency = began.duration(to: clock.now)
                sample.latenciesMicroseconds.append(Int(latency.components.seconds * 1_000_000
                    + latency.components.attoseconds / 1_000_000_000_000))
                await client.disconnect()
            } catch {
                sample.failures += 1
                await client.close()
            }
        }
        return sample
    }
}

/// Latencies and failures of one load worker, merged across workers.
struct LoadSample: Sendable {
    var latenciesMicroseconds: [Int] = []
    var failures = 0

    mutating func merge(_ other: LoadSample) {
        latenciesMicroseconds += other.latenciesMicroseconds
        failures += other.failures
    }
}
