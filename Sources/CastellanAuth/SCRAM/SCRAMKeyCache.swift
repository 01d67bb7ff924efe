import Synchronization

/// The keys one password yields for a server's salt and iteration count, kept across exchanges
/// so only the first pays for PBKDF2 (RFC 5802 §5.1: a client may cache ClientKey and ServerKey
/// for later authentication to the same service).
///
/// One cache per password: it is keyed by what the server sends (mechanism, salt, iterations),
/// never by the password. A server whose credential changed sends another salt, and the keys
/// are derived again. The cache holds no more than the process already has — the password.
public final class SCRAMKeyCache: Sendable {
    private struct Entry: Sendable {
        let mechanism: SCRAMMechanism
        let salt: [UInt8]
        let iterations: Int
        let keys: SCRAMKeys
    }

    private let entry = Mutex<Entry?>(nil)

    /// An empty cache.
    public init() {}

    /// The cached keys for these parameters, or `derive()`'s, which are remembered.
    func keys(
        mechanism: SCRAMMechanism, salt: [UInt8], iterations: Int, derive: () throws(SCRAMError) -> SCRAMKeys
    ) throws(SCRAMError) -> SCRAMKeys {
        if let cached = entry.withLock({ $0 }), cached.mechanism == mechanism, cached.iterations == iterations,
           cached.salt == salt {
            return cached.keys
        }
        let keys = try derive()
        entry.withLock { $0 = Entry(mechanism: mechanism, salt: salt, iterations: iterations, keys: keys) }
        return keys
    }
}
