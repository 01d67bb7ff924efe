import Foundation
import GRDB

extension SQLiteStore {
    /// The id of the newest change-log record, 0 for an empty log.
    public func latestChangeID() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM changes") ?? 0 }
    }

    /// While the WAL index's header is what it was at the last exact read, nothing was committed
    /// since, so that read still answers: no transaction, one `pread` (``WALIndexHeader``). The
    /// header is read before the exact read, so a commit between the two changes the header and
    /// the next call reads again.
    ///
    /// An answer is still reused for at most ``headerTrust``: nothing known makes a commit leave
    /// the header as it was (SQLite's own readers rely on that), and a `-shm` file replaced
    /// under a running service would strand its SQLite connections with the header; the bound
    /// is for what is not known. Not the change feed's 50 ms: after a commit (an audit batch,
    /// five a second) the exact read finds its page cache emptied, and took 75 µs (p50, `perf
    /// probe`), 20 times a second, a tenth of the service's CPU at 300 certificate connects/s.
    public func latestChangeIDNow() -> Int64? {
        let now = ContinuousClock.now
        let header = walIndex?.snapshot()
        if let header, let head = changeHead.withLock({ $0 }), head.header == header, now - head.readAt < Self.headerTrust {
            return head.id
        }
        changeHeadReads.add(1, ordering: .relaxed)
        guard let id = Self.newestChangeID(connectReader) else { return nil }
        if let header { changeHead.withLock { $0 = (header, id, now) } }
        return id
    }

    /// The newest change id read exactly on `reader` (on the calling thread), `nil` on an error.
    private static func newestChangeID(_ reader: DatabaseQueue) -> Int64? {
        try? reader.inDatabase { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM changes")) ?? 0 }
    }

    /// Records after `id`, oldest first, at most `limit`.
    public func changes(after id: Int64, limit: Int) async throws -> [ChangeRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM changes WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, max(0, limit)]
            ).compactMap(Self.changeRecord)
        }
    }

    /// The newest `limit` records, oldest first.
    public func recentChanges(limit: Int) async throws -> [ChangeRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM changes ORDER BY id DESC LIMIT ?", arguments: [max(0, limit)])
                .reversed().compactMap(Self.changeRecord)
        }
    }

    /// Follows the log from `id`; starts the commit watch with the first follower.
    public func follow(after id: Int64) -> AsyncStream<ChangeRecord> {
        let stream = feed.follow(after: id) { [weak self] after, limit in
            guard let self else { throw CancellationError() }
            return try await self.changes(after: after, limit: limit)
        }
        startWatching()
        return stream
    }

    /// How often the watch asks whether another connection committed: a write by the CLI
    /// reaches the service's follower within one period.
    static let watchPeriod: Duration = .milliseconds(50)

    /// How long ``latestChangeIDNow()`` reuses an exact answer while the header stands still.
    static let headerTrust: Duration = .seconds(1)

    /// Starts (once) the watch that wakes the followers when another connection committed
    /// (``CommitWatch``): it compares the WAL index's header, which every commit rewrites, or
    /// where that cannot be read, the newest change id read exactly (what followers read anyway).
    private func startWatching() {
        watcher.withLock { watcher in
            guard watcher == nil else { return }
            if let walIndex {
                watcher = CommitWatch(period: Self.watchPeriod, feed: feed) { walIndex.snapshot() }
            } else {
                let reader = connectReader
                watcher = CommitWatch(period: Self.watchPeriod, feed: feed) { Self.newestChangeID(reader) }
            }
        }
    }

    static func appendChanges(_ events: [StoreEvent], actor: String, _ db: Database) throws {
        guard !events.isEmpty else { return }
        let time = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let statement = try db.cachedStatement(
            sql: "INSERT INTO changes (time, kind, device_id, detail, actor) VALUES (?, ?, ?, ?, ?)")
        for event in events {
            let columns = event.columns
            try statement.execute(arguments: [time, columns.kind, columns.device, columns.detail, actor])
        }
    }

    /// A record, or `nil` for a kind this build does not know (written by a newer Castellan).
    static func changeRecord(_ row: Row) -> ChangeRecord? {
        guard let event = StoreEvent(kind: row["kind"], device: row["device_id"], detail: row["detail"]) else { return nil }
        return ChangeRecord(id: row["id"], time: row["time"], event: event, actor: row["actor"])
    }
}
