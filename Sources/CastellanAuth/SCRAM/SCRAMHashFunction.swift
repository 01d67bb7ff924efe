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
    func hash<D: DataProtocol>(_ data: D) -> [UInt8] {
        switch kind {
        case .sha1: Array(Insecure.SHA1.hash(data: data))
        case .sha256: Array(SHA256.hash(data: data))
        case .sha512: Array(SHA512.hash(data: data))
        }
    }

    /// HMAC(key, data).
    func hmac<D: DataProtocol>(key: [UInt8], _ data: D) -> [UInt8] {
        let key = SymmetricKey(data: key)
        return switch kind {
        case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha512: Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
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
