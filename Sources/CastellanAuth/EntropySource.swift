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

/// The operating system's CSPRNG (`getrandom(2)` on Linux via swift-crypto's RNG).
public struct SystemEntropy: EntropySource {
    public init() {}

    public func bytes(_ count: Int) throws -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }
}
