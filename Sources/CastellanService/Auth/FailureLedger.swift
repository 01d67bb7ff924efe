import CastellanAuth
import Synchronization

/// Lockout failures and successes counted at once, written to the store off the reply path.
///
/// Why: a refused password used to wait for its failure to be committed (one SQLite commit,
/// 0.3–0.4 ms) before the broker heard the answer, which an unknown name does not — so over
/// many samples the time of a refusal told a real device from an unknown name. Now the
/// decision path only notes the failure here (a lock and an append) and answers; ``run(_:)``
/// (the audit writer's child, supervised) writes the notes in order, gathered for ``linger``,
/// each batch in one transaction (``LockoutCounter/apply(_:)``).
///
/// Until a note is written the gate adds it to what the store says
/// (``sourceRecord(_:device:source:)``, ``deviceFailures(_:device:)``), so a lock takes hold
/// from the failure that earns it, not from its commit. What this process has not written yet
/// is known only here: another service on a shared store sees the failure once it is written,
/// ``linger`` and a few milliseconds later at most while the store answers. Between a write's commit and this
/// note's removal a failure may count twice for a moment (never zero times). Notes not written
/// when the service is killed are lost; the queue is bounded by the lockout itself — every
/// pending failure counts towards its source's backoff and its device's hard limit, so no
/// source can add failures faster than it is let try.
final class FailureLedger: Sendable {
    private let state = Mutex(State())
    /// How long the writer lets notes gather after the first arrives (skipped when a ``flush()``
    /// waits). Why: a write started the moment a refusal is answered runs beside the next
    /// decision and takes its CPU (measured: a wrong password still 170 µs slower than an
    /// unknown name at the median with writes at once); gathered, the writes land every
    /// `linger` on whichever request runs then, whatever its kind. One commit per batch, not
    /// per note: with a commit per wrong password the service spent ~280 µs more CPU on a wrong
    /// password than on an unknown name, about half of it on the reply path (the next connect
    /// read re-reading what each commit changed).
    let linger: Duration

    /// - Parameter linger: see ``linger``; 200 ms, as the audit trail's.
    init(linger: Duration = .milliseconds(200)) {
        self.linger = linger
    }

    private struct Key: Hashable {
        let device: DeviceID
        let source: String
    }

    private enum Note {
        case failure(Key, at: Int64, epoch: Int)
        case success(Key, epoch: Int)

        var change: LockoutChange {
            switch self {
            case .failure(let key, let time, _): .failure(key.device, source: key.source, at: time)
            case .success(let key, _): .success(key.device, source: key.source)
            }
        }
    }

    /// What this process has noted for one (device, source) and not yet written.
    private struct Entry {
        /// Bumped by each success: failures noted before it no longer count here when written.
        var epoch = 0
        var failures = 0
        var lastFailure: Int64?
        /// A success is noted but not written: the store's record of this source is stale.
        var cleared = false
        var isEmpty: Bool { failures == 0 && !cleared }
    }

    private struct State {
        var notes: [Note] = []
        var entries: [Key: Entry] = [:]
        /// Unwritten failures per device (a success does not lower a device's total).
        var totals: [DeviceID: Int] = [:]
        var wake: AsyncStream<Void>.Continuation?
        var noted = 0
        var written = 0
        var flushes: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// Notes a failure from `source` at `unixTime`; never waits.
    func failed(_ device: DeviceID, from source: String, at unixTime: Int64) {
        let key = Key(device: device, source: source)
        note { state in
            var entry = state.entries[key] ?? Entry()
            entry.failures += 1
            entry.lastFailure = max(entry.lastFailure ?? unixTime, unixTime)
            state.entries[key] = entry
            state.totals[device, default: 0] += 1
            return .failure(key, at: unixTime, epoch: entry.epoch)
        }
    }

    /// Notes that `source` authenticated: its failures are forgotten from now on; never waits.
    func succeeded(_ device: DeviceID, from source: String) {
        let key = Key(device: device, source: source)
        note { state in
            var entry = state.entries[key] ?? Entry()
            entry.epoch += 1
            entry.failures = 0
            entry.lastFailure = nil
            entry.cleared = true
            state.entries[key] = entry
            return .success(key, epoch: entry.epoch)
        }
    }

    /// The source's record: what the store holds (`stored`) with what is noted and unwritten.
    func sourceRecord(_ stored: LockoutRecord, device: DeviceID, source: String) -> LockoutRecord {
        guard let entry = state.withLock({ $0.entries[Key(device: device, source: source)] }) else { return stored }
        var record = entry.cleared ? LockoutRecord() : stored
        guard entry.failures > 0 else { return record }
        record.consecutiveFailures += entry.failures
        record.lastFailure = max(record.lastFailure ?? .min, entry.lastFailure ?? .min)
        return record
    }

    /// The device's total over every source: `stored` with the unwritten failures.
    func deviceFailures(_ stored: Int, device: DeviceID) -> Int {
        stored + state.withLock { $0.totals[device] ?? 0 }
    }

    /// Notes not yet written: for tests and metrics.
    var unwritten: Int { state.withLock { $0.noted - $0.written } }

    /// Writes the notes in order until cancelled, then what is left; throws when the store
    /// fails (the note stays first, and is written by the restarted writer).
    func run(_ store: any LockoutCounter) async throws {
        let (signals, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.wake = wake }
        defer { state.withLock { $0.wake = nil } }
        wake.yield()  // notes may have gathered while no writer ran
        for await _ in signals {
            // Cancelled (the service stops): the pause ends at once and what is held is written.
            if state.withLock({ $0.flushes.isEmpty }) { try? await Task.sleep(for: linger) }
            try await drain(store)
        }
        // Cancelled (the service stops): write what is left if the store still lets us; what it
        // refuses now is lost, as anything unwritten is when the service is killed.
        try? await drain(store)
    }

    /// Returns once every note made before the call is written (needs a running ``run(_:)``).
    func flush() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.written >= state.noted { return true }
                state.flushes.append((state.noted, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func note(_ make: (inout State) -> Note) {
        let wake = state.withLock { state -> AsyncStream<Void>.Continuation? in
            state.notes.append(make(&state))
            state.noted += 1
            return state.wake
        }
        wake?.yield()
    }

    /// Writes every note held now in one batch (one commit), then lets go of them.
    private func drain(_ store: any LockoutCounter) async throws {
        while true {
            let batch = state.withLock { $0.notes }
            guard !batch.isEmpty else { return }
            try await store.apply(batch.map(\.change))
            let done = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.notes.removeFirst(batch.count)
                state.written += batch.count
                for note in batch { Self.written(note, in: &state) }
                let written = state.written
                let ready = state.flushes.filter { $0.upTo <= written }
                state.flushes.removeAll { $0.upTo <= written }
                return ready.map(\.continuation)
            }
            for continuation in done { continuation.resume() }
        }
    }

    /// The store now holds `note`: stop adding it to what the store says.
    private static func written(_ note: Note, in state: inout State) {
        let key: Key
        switch note {
        case .failure(let failed, _, let epoch):
            key = failed
            if let total = state.totals[key.device] { state.totals[key.device] = total > 1 ? total - 1 : nil }
            if state.entries[key]?.epoch == epoch { state.entries[key]?.failures -= 1 }
        case .success(let succeeded, let epoch):
            key = succeeded
            if state.entries[key]?.epoch == epoch { state.entries[key]?.cleared = false }
        }
        if state.entries[key]?.isEmpty == true { state.entries[key] = nil }
    }
}
