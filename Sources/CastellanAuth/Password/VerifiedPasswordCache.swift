import Crypto
import Foundation

/// Remembers recent successful password checks so a reconnecting device skips PBKDF2.
///
/// An entry's key is HMAC-SHA256 under a per-process random key over the length-prefixed
/// identity, password and credential fingerprint (mechanism, salt, iterations, StoredKey,
/// ServerKey): the password itself is never stored, length prefixes rule out delimiter
/// collisions (`("ab", "c")` ≠ `("a", "bc")`), and a changed credential yields other keys, so
/// old entries can never match again. ``invalidate(identity:)`` drops a device's entries at
/// once (credential change, disable, revocation).
///
/// Only ``verify(identity:password:credential:now:allowLegacySHA1:)`` and ``remember(identity:password:credential:now:)``
/// insert, and only on success: failures are never cached. Entries live ``ttl`` (default 60 s, time passed in,
/// monotonic) and at most ``capacity`` exist (default 10,000); when full, the oldest entry goes.
/// A value type: its owner (one password worker) serialises access.
public struct VerifiedPasswordCache: Sendable {
    /// Default lifetime of an entry: 60 seconds.
    public static let defaultTTL: Duration = .seconds(60)
    /// Default maximum number of entries.
    public static let defaultCapacity = 10_000

    /// How long a successful check is remembered.
    public let ttl: Duration
    /// The most entries kept.
    public let capacity: Int

    /// HMAC-SHA256 keyed once with the per-process key: a copy per lookup skips re-deriving
    /// the key's inner and outer pads, a third of a cached connect's lookup.
    private let keyed: HMAC<SHA256>
    private var entries: [Key: Entry] = [:]
    private var keysByIdentity: [String: Set<Key>] = [:]
    /// Insertion order, which is expiry order because the TTL is constant; stale slots
    /// (re-inserted or invalidated keys) are skipped when they reach the head.
    private var order: [(key: Key, expiresAt: ContinuousClock.Instant)] = []
    private var head = 0

    private struct Entry: Sendable {
        var identity: String
        var expiresAt: ContinuousClock.Instant
    }

    /// An empty cache with a fresh 256-bit key from `entropy`.
    ///
    /// - Throws: `invalidCredential` for a non-positive TTL or capacity, `noResources` when
    ///   `entropy` fails.
    public init(
        ttl: Duration = defaultTTL, capacity: Int = defaultCapacity, entropy: any EntropySource
    ) throws(SCRAMError) {
        guard ttl > .zero, capacity > 0 else { throw .invalidCredential("cache TTL and capacity must be positive") }
        let bytes: [UInt8]
        do { bytes = try entropy.bytes(32) } catch { throw .noResources("entropy source failed") }
        guard bytes.count == 32 else { throw .noResources("entropy source returned a short read") }
        self.ttl = ttl
        self.capacity = capacity
        keyed = HMAC<SHA256>(key: SymmetricKey(data: bytes))
    }

    /// The number of live or not yet purged entries.
    public var count: Int { entries.count }

    /// Checks `password` for `identity`: from the cache when a live entry matches, else with
    /// ``PasswordVerifier`` (PBKDF2), caching the result only when it is a success.
    public mutating func verify(
        identity: String, password: [UInt8], credential: SCRAMCredential, now: ContinuousClock.Instant,
        allowLegacySHA1: Bool = false
    ) -> Bool {
        let entryKey = cacheKey(identity: identity, password: password, credential: credential)
        if let entry = entries[entryKey], now < entry.expiresAt { return true }
        guard PasswordVerifier.verify(password: password, against: credential, allowLegacySHA1: allowLegacySHA1) else {
            return false
        }
        insert(entryKey, identity: identity, now: now)
        return true
    }

    /// Remembers a success that the caller verified itself with ``PasswordVerifier`` (for
    /// callers that run the key derivation elsewhere, off their own thread). Call it only after
    /// a successful check: failures are never cached.
    public mutating func remember(
        identity: String, password: [UInt8], credential: SCRAMCredential, now: ContinuousClock.Instant
    ) {
        insert(cacheKey(identity: identity, password: password, credential: credential), identity: identity, now: now)
    }

    /// `true` when a live entry exists for exactly this identity, password and credential.
    public func contains(
        identity: String, password: [UInt8], credential: SCRAMCredential, now: ContinuousClock.Instant
    ) -> Bool {
        guard let entry = entries[cacheKey(identity: identity, password: password, credential: credential)] else {
            return false
        }
        return now < entry.expiresAt
    }

    /// Forgets every entry of `identity` (credential changed, device disabled or revoked).
    public mutating func invalidate(identity: String) {
        guard let keys = keysByIdentity.removeValue(forKey: identity) else { return }
        for key in keys { entries.removeValue(forKey: key) }
    }

    /// Forgets everything.
    public mutating func removeAll() {
        entries.removeAll()
        keysByIdentity.removeAll()
        order.removeAll()
        head = 0
    }

    private mutating func insert(_ entryKey: Key, identity: String, now: ContinuousClock.Instant) {
        purge(now: now)
        let expiresAt = now.advanced(by: ttl)
        if entries[entryKey] == nil {
            while entries.count >= capacity, head < order.count { evictHead() }
        }
        entries[entryKey] = Entry(identity: identity, expiresAt: expiresAt)
        keysByIdentity[identity, default: []].insert(entryKey)
        order.append((entryKey, expiresAt))
        compactIfNeeded()
    }

    /// Drops expired entries from the head of the queue.
    private mutating func purge(now: ContinuousClock.Instant) {
        while head < order.count, order[head].expiresAt <= now { evictHead() }
    }

    private mutating func evictHead() {
        let slot = order[head]
        head += 1
        // Only the slot that matches the live entry's expiry owns it.
        guard let entry = entries[slot.key], entry.expiresAt == slot.expiresAt else { return }
        entries.removeValue(forKey: slot.key)
        keysByIdentity[entry.identity]?.remove(slot.key)
        if keysByIdentity[entry.identity]?.isEmpty == true { keysByIdentity.removeValue(forKey: entry.identity) }
    }

    /// Keeps the queue proportional to the live entries, so memory stays bounded.
    private mutating func compactIfNeeded() {
        guard head > 0, head >= order.count / 2 || order.count > 2 * capacity else { return }
        order = order[head...].filter { slot in entries[slot.key]?.expiresAt == slot.expiresAt }
        head = 0
    }

    /// An entry's key: the MAC as four words, hashed and compared without an allocation.
    struct Key: Hashable, Sendable {
        let words: (UInt64, UInt64, UInt64, UInt64)

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.words == rhs.words }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }
    }

    /// The fields are laid out in one buffer on the stack and hashed in one update: fed to the
    /// MAC one by one they cost more than twice as much, and a heap buffer with the iteration
    /// count as text and the mechanism's name cost more than the hash (`castellan bench auth`).
    private func cacheKey(identity: String, password: [UInt8], credential: SCRAMCredential) -> Key {
        var identity = identity
        return identity.withUTF8 { identity in
            let fields = 7 * 8 + identity.count + password.count + 1 + credential.salt.count + 8
                + credential.storedKey.count + credential.serverKey.count
            return withUnsafeTemporaryAllocation(byteCount: fields, alignment: 8) { buffer in
                var filled = 0
                func put(_ bytes: UnsafeRawBufferPointer) {
                    UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]).copyMemory(from: bytes)
                    filled += bytes.count
                }
                func field(_ bytes: UnsafeRawBufferPointer) {
                    withUnsafeBytes(of: UInt64(bytes.count).bigEndian, put)
                    put(bytes)
                }
                field(UnsafeRawBufferPointer(identity))
                password.withUnsafeBytes(field)
                withUnsafeBytes(of: credential.mechanism.code, field)
                credential.salt.withUnsafeBytes(field)
                withUnsafeBytes(of: UInt64(credential.iterations).bigEndian, field)
                credential.storedKey.withUnsafeBytes(field)
                credential.serverKey.withUnsafeBytes(field)
                var mac = keyed
                mac.update(data: UnsafeRawBufferPointer(buffer))
                return mac.finalize().withUnsafeBytes { digest in
                    Key(words: (digest.loadUnaligned(fromByteOffset: 0, as: UInt64.self), digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                                digest.loadUnaligned(fromByteOffset: 16, as: UInt64.self), digest.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
                }
            }
        }
    }
}

extension SCRAMMechanism {
    /// One byte per mechanism, for keys that need no name.
    fileprivate var code: UInt8 {
        let hash: UInt8 = switch hashFunction.kind {
        case .sha1: 1
        case .sha256: 2
        case .sha512: 3
        }
        return hash | (usesChannelBinding ? 0x80 : 0)
    }
}
