import Foundation
import Crypto
import CryptoExtras

/// The hash function under a SCRAM mechanism: SHA-256, SHA-512, or legacy SHA-1.
///
/// A struct over a private enum so a hash (for example SHA-384) can be added without
/// breaking callers. SHA-1 is named `legacySHA1` because it is usable only behind an
/// explicit switch (``SCRAMServerConfiguration/allowLegacySHA1``).
public struct SCRAMHashFunction: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable { case sha1, sha256, sha512 }
    let kind: Kind

    /// SHA-256 (RFC 7677): the default.
    public static let sha256 = SCRAMHashFunction(kind: .sha256)
    /// SHA-512 (draft-melnikov-scram-sha-512, as deployed by MailKit, EMQX and others).
    public static let sha512 = SCRAMHashFunction(kind: .sha512)
    /// SHA-1 (RFC 5802): only for old clients, and only when explicitly allowed.
    public static let legacySHA1 = SCRAMHashFunction(kind: .sha1)

    /// Size of a digest, and so of StoredKey, ServerKey, proofs and signatures.
    public var digestByteCount: Int {
        switch kind {
        case .sha1: Insecure.SHA1.byteCount
        case .sha256: SHA256.byteCount
        case .sha512: SHA512.byteCount
        }
    }

    /// `true` for SHA-1, which needs the legacy switch.
    public var isLegacy: Bool { kind == .sha1 }

    /// The name as it appears in a mechanism name, e.g. `SHA-256`.
    public var description: String {
        switch kind {
        case .sha1: "SHA-1"
        case .sha256: "SHA-256"
        case .sha512: "SHA-512"
        }
    }

    /// H(data).
    func hash(_ data: [UInt8]) -> [UInt8] {
        switch kind {
        case .sha1: Self.hash(Insecure.SHA1.self, data)
        case .sha256: Self.hash(SHA256.self, data)
        case .sha512: Self.hash(SHA512.self, data)
        }
    }

    /// HMAC(key, data).
    func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        switch kind {
        case .sha1: Self.hmac(Insecure.SHA1.self, key: key, data)
        case .sha256: Self.hmac(SHA256.self, key: key, data)
        case .sha512: Self.hmac(SHA512.self, key: key, data)
        }
    }

    // The proof check runs three of these per exchange and must reach 200k exchanges/s per core.
    // swift-crypto's generic `HMAC<H>` is not specialised across the module boundary and spends
    // more time in runtime metadata lookups and key setup than in hashing, so HMAC (RFC 2104)
    // is composed here from swift-crypto's hash functions through their buffer-pointer entry
    // points. Tests check it against `HMAC<H>` for every key and message length class.

    private static func hash<H: HashFunction>(_: H.Type, _ data: [UInt8]) -> [UInt8] {
        var hasher = H()
        data.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }

    /// HMAC(K, m) = H((K' ⊕ opad) ‖ H((K' ⊕ ipad) ‖ m)), K' = K (or H(K) when longer than a
    /// block) zero-padded to the block size.
    private static func hmac<H: HashFunction>(_: H.Type, key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        let blockSize = H.blockByteCount
        let shortKey = key.count > blockSize ? hash(H.self, key) : key
        var inner = H(), outer = H()
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: blockSize) { pad in
            for index in 0..<blockSize { pad[index] = (index < shortKey.count ? shortKey[index] : 0) ^ 0x36 }
            inner.update(bufferPointer: UnsafeRawBufferPointer(pad))
            for index in 0..<blockSize { pad[index] ^= 0x36 ^ 0x5C }
            outer.update(bufferPointer: UnsafeRawBufferPointer(pad))
            for index in 0..<blockSize { pad[index] = 0 }
        }
        data.withUnsafeBytes { inner.update(bufferPointer: $0) }
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { Array($0) }
    }

    /// SaltedPassword = Hi(password, salt, i): PBKDF2 with HMAC-H and one digest of output.
    ///
    /// Callers have already checked `iterations` against the 4096 floor; swift-crypto's
    /// checked entry point demands 210,000 rounds, more than SCRAM deployments use.
    func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) throws(SCRAMError) -> [UInt8] {
        let function: KDF.Insecure.PBKDF2.HashFunction = switch kind {
        case .sha1: .insecureSHA1
        case .sha256: .sha256
        case .sha512: .sha512
        }
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: password, salt: salt, using: function,
                outputByteCount: digestByteCount, unsafeUncheckedRounds: iterations)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw .noResources("key derivation failed")
        }
    }
}
