import ArgumentParser
import CastellanAuth
import CastellanBridge
@_spi(Bench) import CastellanStore
import Foundation

/// `castellan bench …`: in-process benchmarks (run them on a release build: `make bench`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the service's building blocks (use a release build).",
        subcommands: [Supervision.self, Auth.self, Store.self]
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
            abstract: "Restart latency (crash → replacement accepting requests), escalation recovery and pool throughput.")

        @Flag(name: .long, help: "Print one JSON object on one line.")
        var json = false

        @Option(name: .long, help: "Restarts timed per pool size.")
        var restarts = 2_000

        @Option(name: .long, help: "Escalations (a whole auth-like subtree restarted) timed.")
        var escalations = 200

        func run() async throws {
            let result = try await SupervisionBench.run(restarts: restarts, escalations: escalations)
            if json {
                let fields: [(String, Double)] = [
                    ("restart_p50_us", result.restartP50.microseconds), ("restart_p99_us", result.restartP99.microseconds),
                    ("restart_p50_us_1000", result.restartP50Large.microseconds),
                    ("restart_p99_us_1000", result.restartP99Large.microseconds),
                    ("requests_per_s", result.requestsPerSecond.rounded()),
                    ("escalation_p50_ms", result.escalationP50.microseconds / 1000),
                    ("escalation_p99_ms", result.escalationP99.microseconds / 1000),
                    ("escalation_max_ms", result.escalationMax.microseconds / 1000),
                ]
                let body = fields.map { "\"\($0.0)\":\(String(format: "%.2f", $0.1))" }.joined(separator: ",")
                printLine("{\(body)}")
            } else {
                printLine("""
                    supervision restart latency (crash → replacement accepting requests), \(restarts) restarts each
                      pool of 8:     p50 \(String(format: "%.2f", result.restartP50.microseconds)) µs   p99 \(String(format: "%.2f", result.restartP99.microseconds)) µs
                      pool of 1000:  p50 \(String(format: "%.2f", result.restartP50Large.microseconds)) µs   p99 \(String(format: "%.2f", result.restartP99Large.microseconds)) µs
                    pool throughput (8 workers, 64 concurrent callers): \(Int(result.requestsPerSecond)) requests/s
                    escalation recovery (auth-like subtree of 3 pools of 8 restarted as a whole: crash → first decision \
                    by the new subtree), \(escalations) rounds
                      p50 \(String(format: "%.3f", result.escalationP50.microseconds / 1000)) ms   p99 \(String(format: "%.3f", result.escalationP99.microseconds / 1000)) ms   max \(String(format: "%.3f", result.escalationMax.microseconds / 1000)) ms
                    """)
            }
        }
    }

    /// `castellan bench store --backend sqlite|postgres --devices N [--url URL] [--json]`.
    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-connect store read (device + credentials + effective rules) p50/p99 with N seeded devices.",
            discussion: """
                SQLite: seeds a temporary database (or --path FILE, which must not exist) and removes it afterwards.
                PostgreSQL: --url names an existing, empty database (for example                 postgres://postgres@/bench?host=/var/run/postgresql); it is left seeded. --no-seed measures a                 database seeded by an earlier run with at least --devices devices.
                """)

        @Option(name: .long, help: "sqlite or postgres.")
        var backend: String

        @Option(name: .long, help: "Devices to seed.")
        var devices = 1_000_000

        @Option(name: .long, help: "Reads timed per variant.")
        var samples = 20_000

        @Option(name: .long, help: "PostgreSQL store URL (postgres backend).")
        var url: String?

        @Option(name: .long, help: "SQLite database file to create (sqlite backend; default: a temporary file).")
        var path: String?

        @Flag(name: .customLong("no-seed"), help: "Measure an already seeded database.")
        var noSeed = false

        @Flag(name: .long, help: "Print one JSON object on one line.")
        var json = false

        func validate() throws {
            guard let backend = StoreBench.Backend(rawValue: backend) else {
                throw ValidationError("--backend must be sqlite or postgres")
            }
            guard devices > 0, samples > 0 else { throw ValidationError("--devices and --samples must be positive") }
            if backend == .postgres, url == nil { throw ValidationError("--backend postgres needs --url postgres://…") }
            if backend == .sqlite, url != nil { throw ValidationError("--url is for --backend postgres; use --path") }
        }

        func run() async throws {
            // A fixed key: the fleet is made up, and `--no-seed` must open what an earlier run sealed.
            let key = try MasterKey(bytes: Array(repeating: 0x42, count: MasterKey.byteCount))
            let store: any CredentialStore
            var temporary: String?
            switch StoreBench.Backend(rawValue: backend)! {
            case .sqlite:
                let file: String
                if let path {
                    file = path
                } else {
                    file = NSTemporaryDirectory() + "castellan-bench-\(UUID().uuidString).db"
                    temporary = file
                }
                guard noSeed || !FileManager.default.fileExists(atPath: file) else {
                    throw ValidationError("\(file) exists; seeding needs a new file (or pass --no-seed)")
                }
                store = try SQLiteStore(path: file, masterKey: key)
            case .postgres:
                store = try await PostgresStore.open(PostgresURL(parsing: url!), masterKey: key, eventLoopGroup: DecisionThreads.shared(count: 1).group)
                if !noSeed, try await store.device(DeviceID(FleetSeed.deviceID(0))) != nil {
                    throw ValidationError("the database is already seeded; use an empty one (or pass --no-seed)")
                }
            }
            defer {
                if let temporary {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) }
                }
            }
            // Timed where `castellan serve` makes these reads: on a decision thread.
            let result = try await withTaskExecutorPreference(DecisionThreads.shared(count: 1).executor(0)) {
                try await StoreBench.run(store: store, devices: devices, samples: samples, seed: !noSeed)
            }
            await store.close()
            if json {
                var fields: [(String, String)] = [("backend", "\"\(backend)\""), ("devices", "\(devices)"), ("samples", "\(samples)")]
                if let seed = result.seedSeconds { fields.append(("seed_s", String(format: "%.2f", seed))) }
                fields += [
                    ("connect_profile_p50_us", String(format: "%.2f", result.profileP50.microseconds)),
                    ("connect_profile_p99_us", String(format: "%.2f", result.profileP99.microseconds)),
                    ("separate_reads_p50_us", String(format: "%.2f", result.separateP50.microseconds)),
                    ("separate_reads_p99_us", String(format: "%.2f", result.separateP99.microseconds)),
                ]
                printLine("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
            } else {
                let seeded = result.seedSeconds.map { String(format: ", seeded in %.1f s", $0) } ?? ""
                printLine("""
                    \(backend) store, \(devices) devices\(seeded), \(samples) random devices per variant
                      connectProfile (one call):       p50 \(String(format: "%8.2f", result.profileP50.microseconds)) µs   p99 \(String(format: "%8.2f", result.profileP99.microseconds)) µs
                      device+scram+totp+rules (4 calls): p50 \(String(format: "%8.2f", result.separateP50.microseconds)) µs   p99 \(String(format: "%8.2f", result.separateP99.microseconds)) µs
                    """)
            }
        }
    }
}
