import CastellanAuth
import Crypto

/// A short, non-secret fingerprint of one stored credential, to tell later whether the
/// credential a session authenticated with is still the one on record.
///
/// Setting a password draws a new salt and enrolling TOTP seals a new secret under a fresh
/// nonce, so any change gives a new stamp (a collision of 64 bits of SHA-256 aside). The
/// stamp reveals nothing usable: it hashes a SCRAM StoredKey (itself a hash) or a sealed
/// secret. Re-sealing every TOTP secret (`key rotate`) changes the TOTP stamps too.
public struct CredentialStamp: Sendable, Hashable, CustomStringConvertible {
    /// The first 8 bytes of SHA-256, big-endian.
    public let value: UInt64

    /// A stamp as carried elsewhere.
    public init(_ value: UInt64) { self.value = value }

    private init(hashing parts: [[UInt8]], domain: String) {
        var hash = SHA256()
        hash.update(data: Array(domain.utf8))
        for part in parts {
            hash.update(data: withUnsafeBytes(of: UInt32(part.count).bigEndian, Array.init))
            hash.update(data: part)
        }
        value = hash.finalize().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The stamp of a password / SCRAM credential.
    public init(_ credential: SCRAMCredential) {
        self.init(hashing: [Array(credential.mechanism.name.utf8), credential.salt, credential.storedKey], domain: "castellan-secret")
    }

    /// The stamp of a TOTP enrolment.
    public init(_ enrolment: SealedTOTPEnrolment) {
        self.init(hashing: [enrolment.sealedSecret], domain: "castellan-totp")
    }

    public var description: String { String(value, radix: 16) }
}
