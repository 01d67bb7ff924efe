import ArgumentParser
import Foundation

/// `castellan bench …`: in-process benchmarks (run them on a release build: `make bench`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the service's building blocks (use a release build).",
        subcommands: [Supervision.self, Auth.self]
    )

    /// `castellan bench auth [--json]`: the auth core's throughput (SCRAM, TOTP, ACL, certificates).
    struct Auth: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SCRAM verifications/s, TOTP verifications/s, ACL match time, certificate identity/s.")

        @Flag(name: .long, help: "Print one JSON object on one line.")
        var json = false

        func run() async throws {
            var rows = try SCRAMBench.run()
            rows += try TOTPBench.run()
            rows += try ACLBench.run()
            rows += try await CertificateBench.run()
            if json {
                let body = rows.map { "\"\($0.name)\":\(String(format: "%.2f", $0.value))" }.joined(separator: ",")
                printLine("{\(body)}")
            } else {
                let width = rows.map(\.name.count).max() ?? 0
                for row in rows {
                    printLine("\(row.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(String(format: "%14.2f", row.value)) \(row.unit)")
                }
            }
        }
    }

    /// `castellan bench supervision [--json]`.
    struct Supervision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restart latency (crash → replacement accepting requests) and pool throughput.")

        @Flag(name: .long, help: "Print one JSON object on one line.")
        var json = false

        @Option(name: .long, help: "Restarts timed per pool size.")
        var restarts = 2_000

        func run() async throws {
            let result = try await SupervisionBench.run(restarts: restarts)
            if json {
                let fields: [(String, Double)] = [
                    ("restart_p50_us", result.restartP50.microseconds), ("restart_p99_us", result.restartP99.microseconds),
                    ("restart_p50_us_1000", result.restartP50Large.microseconds),
                    ("restart_p99_us_1000", result.restartP99Large.microseconds),
                    ("requests_per_s", result.requestsPerSecond.rounded()),
                ]
                let body = fields.map { "\"\($0.0)\":\(String(format: "%.2f", $0.1))" }.joined(separator: ",")
                printLine("{\(body)}")
            } else {
                printLine("""
                    supervision restart latency (crash → replacement accepting requests), \(restarts) restarts each
                      pool of 8:     p50 \(String(format: "%.2f", result.restartP50.microseconds)) µs   p99 \(String(format: "%.2f", result.restartP99.microseconds)) µs
                      pool of 1000:  p50 \(String(format: "%.2f", result.restartP50Large.microseconds)) µs   p99 \(String(format: "%.2f", result.restartP99Large.microseconds)) µs
                    pool throughput (8 workers, 64 concurrent callers): \(Int(result.requestsPerSecond)) requests/s
                    """)
            }
        }
    }
}
