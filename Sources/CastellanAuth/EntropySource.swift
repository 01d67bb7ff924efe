import Crypto

/// Where every secret Castellan generates comes from: salts, TOTP seeds, nonces, keys.
///
/// One protocol so an operator can mix an extra source (for example a quantum RNG)
/// into the system CSPRNG without touching the code that consumes randomness.
/// Implementations must either return exactly `count` bytes or throw; a short read
/// is an error, never a silent fallback to weaker randomness.
public protocol EntropySource: Sendable {
    /// Returns `count` bytes of cryptographically strong randomness, or throws.
    func bytes(_ count: Int) throws -> [UInt8]
}

/// The operating system's CSPRNG (`getrandom(2)` on Linux, through the standard library's `SystemRandomNumberGenerator`).
public struct SystemEntropy: EntropySource {
    public init() {}

    public func bytes(_ count: Int) throws -> [UInt8] {
        // Eight bytes per draw: each draw is one getrandom(2) call, and a draw per byte made a
        // SCRAM nonce's 24 bytes cost ~13 µs of a ~150 µs connect (perf, the SCRAM fast lane).
        var rng = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 7)
        while bytes.count < count {
            withUnsafeBytes(of: rng.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}
