@testable import CastellanStore
import Testing

/// The audit writer against a real SQLite store: every entry recorded is written, whether it
/// arrives while the writer waits, gathers or writes — the writer is woken once per round, not
/// once per entry, so a wake-up taken too early or never taken would leave entries behind
/// (and a flush waiting for them).
@Suite struct AuditBatcherTests {
    private func entry(_ n: Int) -> AuditEntry {
        AuditEntry(time: Int64(n), identity: "d\(n)", clientID: "d\(n)", address: "127.0.0.1", method: "password", result: "allow",
                   reason: nil, brokerID: "b")
    }

    /// Whether `flush()` returned within `limit` (a flush waiting for an entry never written
    /// would otherwise hang the run; the sleep is only that bound).
    private func flushed(_ batcher: AuditBatcher, within limit: Duration = .seconds(10)) async -> Bool {
        let (results, result) = AsyncStream.makeStream(of: Bool.self)
        Task {
            await batcher.flush()
            result.yield(true)
        }
        let deadline = Task {
            try? await Task.sleep(for: limit)
            result.yield(false)
        }
        defer { deadline.cancel() }
        for await done in results { return done }
        return false
    }

    @Test func everyEntry_isWritten_inBurstsAndOneByOne() async throws {
        let fixture = try await StoreFixture(.sqlite)
        let batcher = AuditBatcher(store: fixture.store, linger: .milliseconds(5))
        let writer = Task { try await batcher.run() }
        defer { writer.cancel() }
        var recorded = 0
        for burst in [1, 1, 700, 3, 1, 1200, 1] {  // 700 and 1200: more than one batch (512)
            for _ in 0..<burst {
                batcher.record(entry(recorded))
                recorded += 1
            }
            #expect(await flushed(batcher), "after a burst of \(burst)")
            #expect(try await fixture.store.recentAudit(limit: 10_000).count == recorded)
        }
        // Recorded while the writer is between rounds: each is still written.
        for _ in 0..<20 {
            batcher.record(entry(recorded))
            recorded += 1
            guard await flushed(batcher) else {
                Issue.record("an entry recorded between rounds was not written")
                return
            }
        }
        let written = try await fixture.store.recentAudit(limit: 10_000)
        #expect(written.count == recorded)
        #expect(written.map(\.time) == (0..<Int64(recorded)).map { $0 })
    }
}
