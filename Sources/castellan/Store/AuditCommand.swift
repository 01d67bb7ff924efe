import ArgumentParser
import CastellanStore
import Foundation

/// `castellan audit tail [-n N] [--follow] [--json]`: the newest audit entries.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the audit trail.",
        subcommands: [Tail.self]
    )

    /// `audit tail`.
    struct Tail: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "tail", abstract: "Print the newest entries, oldest first; --follow keeps printing new ones until Ctrl-C.")
        static let label = "audit tail"
        /// How often `--follow` looks for new entries.
        static let pollInterval: Duration = .milliseconds(500)

        @OptionGroup var config: ConfigOption
        @Option(name: .short, help: "How many entries (default 20).") var n: String = "20"
        @Flag(help: "Keep printing new entries.") var follow = false
        @Flag(help: "One JSON object per line.") var json = false

        func execute(_ environment: CommandEnvironment) async throws {
            guard n.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(n), count <= 1_000_000 else {
                throw CommandFailure.usage("-n must be a whole number up to 1000000")
            }
            let (_, store) = try await config.openStore(environment)
            var last: Int64 = 0
            for entry in try await store.recentAudit(limit: count) {
                environment.output.out(try line(entry))
                last = entry.id ?? last
            }
            guard follow else { return }
            if last == 0 { last = try await store.recentAudit(limit: 1).last?.id ?? 0 }
            while !Task.isCancelled {
                for entry in try await store.audit(after: last, limit: 1000) {
                    environment.output.out(try line(entry))
                    last = entry.id ?? last
                }
                try await Task.sleep(for: Self.pollInterval)
            }
        }

        private func line(_ entry: AuditEntry) throws -> String {
            if json { return try Arguments.json(entry, pretty: false) }
            let time = entry.date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            var fields = ["\(time)", entry.result, entry.method]
            let optional: [(String, String?)] = [
                ("identity", entry.identity), ("client", entry.clientID), ("address", entry.address),
                ("reason", entry.reason), ("broker", entry.brokerID),
            ]
            fields += optional.compactMap { key, value in value.map { "\(key)=\($0)" } }
            return fields.joined(separator: " ")
        }
    }
}
