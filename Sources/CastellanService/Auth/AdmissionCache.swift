import CastellanAuth
import Synchronization

/// The last allow of each clean password, certificate or SCRAM device, so its next connect with
/// the same client id and the same proof (a cached password, a cached certificate, a SCRAM proof
/// against the same credential) is answered at once, on the link's thread (the fast lane,
/// ``Authenticator/decideAtOnce(_:from:)``), without a worker, a store read or a task.
///
/// Why: a cached password connect cost the service ~210 µs of CPU, of which ~110 µs were the
/// way to its ~5 µs decision — a task, a hop to the worker, the store read (docs/benchmarks.md).
///
/// An admission holds only what the store said at a read, so it is exactly as fresh as what
/// keeps live sessions honest: the change log. Every change to a device — and its first failure
/// since it was added or unlocked (``StoreEvent/firstFailure(_:)``, written by whichever service
/// counted it) — forgets its admission (``Notifier``) before the device's live sessions are
/// re-checked; a failure this service counts forgets it at once (``DeviceGate/failed(_:)``).
/// Kept only for a device with no failure on record at all, so no source of it can be locked
/// out while its admission lives. A read older than the last forgetting of its device is not
/// entered (``remember(_:readAt:)``), so a change committed while a slow connect was being
/// decided cannot be undone by that connect.
final class AdmissionCache: Sendable {
    /// One remembered allow.
    struct Admission: Sendable {
        let device: DeviceID
        /// What it proved itself with.
        let proof: Proof
        /// The client id and username it was allowed with: the rules and the identity check
        /// depend on them, so another pair goes the usual way.
        let clientID: [UInt8]
        let username: [UInt8]?
        let outcome: AuthOutcome
        fileprivate(set) var stamp: UInt64 = 0
        fileprivate(set) var expiresAt: ContinuousClock.Instant = .now
    }

    /// What an admitted device proved itself with, to be proven again on the next connect.
    enum Proof: Sendable, Equatable {
        /// A password, verified against this credential (the password cache's key needs it).
        case password(SCRAMCredential)
        /// A certificate with this fingerprint, still in the verifier's cache (so its chain and
        /// validity hold now).
        case certificate(CertificateFingerprint)
        /// A SCRAM exchange, proven against this credential (each exchange proves it anew).
        case scram(SCRAMCredential)
    }

    /// How long an admission lives: as long as a verified password (``VerifiedPasswordCache``).
    let ttl: Duration
    /// The most admissions (and forgotten devices) kept.
    let capacity: Int
    private let state = Mutex(State())

    private struct State {
        /// Counts every remember and forget: what ``stamp`` hands out.
        var clock: UInt64 = 0
        var admissions: [DeviceID: Admission] = [:]
        /// When each device was last forgotten; older ones folded into `clearedAt`.
        var forgotten: [DeviceID: UInt64] = [:]
        var clearedAt: UInt64 = 0
    }

    /// Whether anything is remembered at all: not on a store that cannot tell its newest change
    /// at once (PostgreSQL), where the fast lane never answers — so its look-ups miss at once
    /// instead of checking a password first.
    let remembers: Bool

    init(remembers: Bool = true, ttl: Duration = VerifiedPasswordCache.defaultTTL,
         capacity: Int = VerifiedPasswordCache.defaultCapacity) {
        self.remembers = remembers
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The time of a store read about to be made: pass it to ``remember(_:readAt:)``.
    func stamp() -> UInt64 { state.withLock { $0.clock } }

    /// Remembers `admission`, unless its device (or everything) was forgotten since `readAt`.
    func remember(_ admission: Admission, readAt: UInt64) {
        guard remembers else { return }
        var admission = admission
        admission.expiresAt = .now.advanced(by: ttl)
        state.withLock { state in
            guard state.clearedAt <= readAt, (state.forgotten[admission.device] ?? 0) <= readAt else { return }
            state.clock += 1
            admission.stamp = state.clock
            if state.admissions[admission.device] == nil, state.admissions.count >= capacity {
                state.admissions.removeAll(keepingCapacity: true)  // rare: a fleet larger than the cache
            }
            state.admissions[admission.device] = admission
        }
    }

    /// The live admission of `device`, if any.
    func admission(of device: DeviceID) -> Admission? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let admission = state.admissions[device], now < admission.expiresAt else { return nil }
            return admission
        }
    }

    /// Whether `admission` is still the one remembered (nothing forgot its device since).
    func isCurrent(_ admission: Admission) -> Bool {
        state.withLock { $0.admissions[admission.device]?.stamp == admission.stamp }
    }

    /// Forgets `device`'s admission, and refuses reads of it made before now.
    func forget(_ device: DeviceID) {
        state.withLock { state in
            state.clock += 1
            state.admissions[device] = nil
            if state.forgotten.count >= capacity {
                state.forgotten.removeAll(keepingCapacity: true)
                state.clearedAt = state.clock
            } else {
                state.forgotten[device] = state.clock
            }
        }
    }

    /// Forgets every admission (rules of a group, settings), and refuses reads made before now.
    func forgetAll() {
        state.withLock { state in
            state.clock += 1
            state.admissions.removeAll()
            state.forgotten.removeAll()
            state.clearedAt = state.clock
        }
    }

    /// Admissions held (for tests).
    var count: Int { state.withLock { $0.admissions.count } }
}
