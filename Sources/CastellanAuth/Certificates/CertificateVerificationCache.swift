import Foundation
import Synchronization

/// Remembers certificates whose chain verified, so a reconnecting device costs a hash and a
/// lookup instead of a signature check.
///
/// - Keyed by the SHA-256 fingerprint of the exact DER, so a changed byte is a miss. A second
///   index on the DER bytes themselves (hashed by their last 64 bytes — the signature, unique
///   per certificate — and confirmed by comparing every byte) lets a reconnect skip computing
///   SHA-256 at all: identical bytes have the identical, already known fingerprint. Only
///   verified certificates (signed by our CA) enter the cache, so nobody can plant colliding
///   tails, and `Hasher` is seeded per process anyway.
/// - Bounded: at most `capacity` entries, evicted by the clock (second-chance) algorithm,
///   which approximates LRU with one bit per entry and no list surgery on a hit.
/// - An entry is used only within the validity window of the whole verified chain (the latest
///   notBefore to the earliest notAfter, inclusive), so it expires with the leaf or its CA.
/// - ``invalidate(fingerprint:)`` / ``invalidate(device:)`` drop entries on revocation or
///   when a device is disabled.
///
/// What the cache does **not** save: the revocation check. ``DeviceCertificateVerifier``
/// asks its ``CertificateRevocationChecking`` hook on every connect, hit or miss, so a
/// revocation works even if the invalidation message is late or lost. Failures are never
/// cached. One cache belongs to one verifier configuration (the verifier creates it), so
/// changing the trusted CA can never reuse old verdicts.
///
/// A `Mutex` rather than an actor: a lookup is a few hundred nanoseconds of work and must not
/// add an executor hop to the connect path.
public final class CertificateVerificationCache: Sendable {
    struct Entry: Sendable {
        var identity: CertificateIdentity
        var der: DERKey
        var validFrom: Date
        var validUntil: Date
        var referenced: Bool
    }

    private struct State: Sendable {
        var slots: [Entry?] = []
        var index: [CertificateFingerprint: Int] = [:]
        var byDER: [DERKey: Int] = [:]
        var byDevice: [DeviceID: Set<CertificateFingerprint>] = [:]
        var free: [Int] = []
        var hand = 0

        mutating func remove(slot: Int) {
            guard let entry = slots[slot] else { return }
            slots[slot] = nil
            free.append(slot)
            index[entry.identity.fingerprint] = nil
            byDER[entry.der] = nil
            let device = entry.identity.deviceID
            byDevice[device]?.remove(entry.identity.fingerprint)
            if byDevice[device]?.isEmpty == true { byDevice[device] = nil }
        }
    }

    /// The most entries held at once.
    public let capacity: Int
    private let state = Mutex(State())

    /// An empty cache holding at most `capacity` entries (a negative capacity counts as 0,
    /// which disables caching).
    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The number of entries currently held.
    public var count: Int { state.withLock { $0.index.count } }

    /// The cached identity for `fingerprint` if its chain is valid at `time`; an entry found
    /// outside its window is removed.
    public func lookup(_ fingerprint: CertificateFingerprint, at time: Date) -> CertificateIdentity? {
        state.withLock { state in
            guard let slot = state.index[fingerprint] else { return nil }
            return Self.use(slot: slot, at: time, in: &state)
        }
    }

    /// The cached identity for exactly these DER bytes, without hashing them with SHA-256.
    public func lookup(derEncoded der: [UInt8], at time: Date) -> CertificateIdentity? {
        guard capacity > 0 else { return nil }
        return state.withLock { state in
            guard let slot = state.byDER[DERKey(der)] else { return nil }
            return Self.use(slot: slot, at: time, in: &state)
        }
    }

    private static func use(slot: Int, at time: Date, in state: inout State) -> CertificateIdentity? {
        guard let entry = state.slots[slot] else { return nil }
        guard entry.validFrom <= time, time <= entry.validUntil else {
            state.remove(slot: slot)
            return nil
        }
        if !entry.referenced { state.slots[slot]?.referenced = true }
        return entry.identity
    }

    /// Records a verified certificate (`der` must be the bytes `identity.fingerprint` was
    /// computed from), valid from `validFrom` to `validUntil` inclusive.
    func insert(_ identity: CertificateIdentity, der: [UInt8], validFrom: Date, validUntil: Date) {
        guard capacity > 0 else { return }
        let entry = Entry(identity: identity, der: DERKey(der), validFrom: validFrom, validUntil: validUntil, referenced: false)
        let capacity = capacity
        state.withLock { state in
            if let slot = state.index[identity.fingerprint] { state.remove(slot: slot) }
            let slot: Int
            if let reused = state.free.popLast() {
                slot = reused
            } else if state.slots.count < capacity {
                state.slots.append(nil)
                slot = state.slots.count - 1
            } else {
                // Clock sweep: a referenced entry gets a second chance; at most two turns.
                while state.slots[state.hand]?.referenced == true {
                    state.slots[state.hand]?.referenced = false
                    state.hand = (state.hand + 1) % capacity
                }
                slot = state.hand
                state.remove(slot: slot)
                _ = state.free.popLast()
                state.hand = (state.hand + 1) % capacity
            }
            if let stale = state.byDER[entry.der] { state.remove(slot: stale) }
            state.slots[slot] = entry
            state.index[identity.fingerprint] = slot
            state.byDER[entry.der] = slot
            state.byDevice[identity.deviceID, default: []].insert(identity.fingerprint)
        }
    }

    /// Drops the entry for one certificate (it was revoked).
    public func invalidate(fingerprint: CertificateFingerprint) {
        state.withLock { state in
            if let slot = state.index[fingerprint] { state.remove(slot: slot) }
        }
    }

    /// Drops every entry of one device (disabled, removed, or all its certificates revoked).
    public func invalidate(device: DeviceID) {
        state.withLock { state in
            for fingerprint in state.byDevice[device] ?? [] {
                if let slot = state.index[fingerprint] { state.remove(slot: slot) }
            }
        }
    }

    /// Drops everything.
    public func removeAll() {
        state.withLock { $0 = State() }
    }
}

/// A certificate's DER as a dictionary key: hashed by its tail, compared in full.
struct DERKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { raw in
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw.suffix(64)))
        }
    }

    static func == (lhs: DERKey, rhs: DERKey) -> Bool {
        guard lhs.bytes.count == rhs.bytes.count else { return false }
        return lhs.bytes.withUnsafeBytes { a in
            rhs.bytes.withUnsafeBytes { b in
                guard let x = a.baseAddress, let y = b.baseAddress else { return a.count == 0 }
                return memcmp(x, y, a.count) == 0
            }
        }
    }
}
