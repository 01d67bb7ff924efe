import ArgumentParser
import CastellanStore
import Foundation

/// `castellan audit tail [-n N] [--follow] [--json] [--changes | --decisions]`: the newest
/// entries of the audit trail — authentication decisions and management changes, by time.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the audit trail.",
        subcommands: [Tail.self]
    )

    /// `audit tail`.
    struct Tail: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "tail",
            abstract: "Print the newest entries, oldest first; --follow keeps printing new ones (in time order, a second late) until Ctrl-C.",
            discussion: """
                Decisions are authentication attempts and their outcome; changes are what an operator, \
                the admin API or a service changed in the store, with who did it.
                """)
        static let label = "audit tail"
        /// How often `--follow` looks for new entries.
        static let pollInterval: Duration = .milliseconds(500)
        /// How long `--follow` holds a new entry back (milliseconds), so that one made earlier
        /// but written later (decisions are written in batches, ~200 ms after) is printed
        /// before it: lines in time order (``HoldBack``).
        static let holdBack: Int64 = 1_000

        @OptionGroup var config: ConfigOption
        @Option(name: .short, help: "How many entries (default 20).") var n: String = "20"
        @Flag(help: "Keep printing new entries.") var follow = false
        @Flag(help: "One JSON object per line.") var json = false
        @Flag(help: "Only management changes (the change log).") var changes = false
        @Flag(help: "Only authentication decisions.") var decisions = false

        /// One line of either kind, ordered by time (decisions before changes at the same time).
        private enum Entry {
            case decision(AuditEntry)
            case change(ChangeRecord)

            var time: Int64 {
                switch self {
                case .decision(let entry): entry.time
                case .change(let record): record.time
                }
            }
        }

        func execute(_ environment: CommandEnvironment) async throws {
            guard n.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(n), count <= 1_000_000 else {
                throw CommandFailure.usage("-n must be a whole number up to 1000000")
            }
            guard !(changes && decisions) else { throw CommandFailure.usage("give at most one of --changes and --decisions") }
            let (_, store) = try await config.openStore(environment)
            var entries: [Entry] = []
            if !changes { entries += try await store.recentAudit(limit: count).map(Entry.decision) }
            if !decisions { entries += try await store.recentChanges(limit: count).map(Entry.change) }
            entries = Array(entries.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element).suffix(count))
            for entry in entries { environment.output.out(try line(entry)) }
            guard follow else { return }
            var lastDecision = try await store.recentAudit(limit: 1).last?.id ?? 0
            var lastChange = try await store.latestChangeID()
            var held = HoldBack<Entry>(margin: Self.holdBack)
            while !Task.isCancelled {
                var new: [Entry] = []
                if !changes {
                    let batch = try await store.audit(after: lastDecision, limit: 1000)
                    lastDecision = batch.last?.id ?? lastDecision
                    new += batch.map(Entry.decision)
                }
                if !decisions {
                    let batch = try await store.changes(after: lastChange, limit: 1000)
                    lastChange = batch.last?.id ?? lastChange
                    new += batch.map(Entry.change)
                }
                for entry in new { held.add(entry, time: entry.time) }
                // `now` is whole seconds: an entry is released between one and two seconds old.
                for entry in held.release(now: environment.now() * 1000) { environment.output.out(try line(entry)) }
                try await Task.sleep(for: Self.pollInterval)
            }
        }

        private func line(_ entry: Entry) throws -> String {
            switch entry {
            case .decision(let entry):
                if json { return try Arguments.json(entry, pretty: false) }
                var fields = [Self.timestamp(entry.time), entry.result, entry.method]
                let optional: [(String, String?)] = [
                    ("identity", entry.identity), ("client", entry.clientID), ("address", entry.address),
                    ("reason", entry.reason), ("broker", entry.brokerID),
                ]
                fields += optional.compactMap { key, value in value.map { "\(key)=\($0)" } }
                return fields.joined(separator: " ")
            case .change(let record):
                if json { return try Arguments.json(record, pretty: false) }
                let columns: [(String, String?)] = [("device", record.event.device?.rawValue), ("by", record.actor)]
                return ([Self.timestamp(record.time), "change", record.event.kind]
                    + columns.compactMap { key, value in value.map { "\(key)=\($0)" } }).joined(separator: " ")
            }
        }

        /// ISO 8601 with milliseconds, UTC (`Z`); both kinds of entry hold Unix milliseconds.
        static func timestamp(_ milliseconds: Int64) -> String {
            Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                .formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        }
    }
}
