/// A shared HOTP/TOTP key of at least 160 bits.
///
/// Every way to obtain one — generation, an enrolled secret from the store, a base32 string —
/// enforces the 160-bit minimum of RFC 4226 R6, so a shorter key cannot reach ``HOTP`` or
/// ``TOTP``. Its `description` is redacted so a secret never lands in a log line by accident.
public struct TOTPSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The shortest accepted secret, in bytes (160 bits).
    public static let minimumByteCount = 20

    /// The key bytes. Handle with care: seal them at rest, never log them.
    public let bytes: [UInt8]

    /// Wraps `bytes`; throws ``OTPError/secretTooShort(byteCount:fileID:line:)`` under 160 bits.
    public init(bytes: [UInt8]) throws(OTPError) {
        guard bytes.count >= Self.minimumByteCount else { throw .secretTooShort(byteCount: bytes.count) }
        self.bytes = bytes
    }

    /// Decodes a base32 secret (RFC 4648, padding optional, either case) as found in otpauth URIs.
    public init(base32: String) throws(OTPError) {
        let decoded: [UInt8]
        do { decoded = try Base32.decode(base32) } catch { throw .invalidSecretEncoding(error) }
        try self.init(bytes: decoded)
    }

    /// Draws a fresh secret from `entropy`: 20 bytes for SHA-1, 32 for SHA-256, 64 for SHA-512.
    ///
    /// Throws whatever the entropy source throws, and ``OTPError/entropyShortRead(fileID:line:)``
    /// if it returns fewer bytes than requested (never padded up).
    public static func generate(using entropy: any EntropySource = SystemEntropy(), algorithm: OTPAlgorithm = .sha1) throws -> TOTPSecret {
        let count = algorithm.generatedSecretByteCount
        let bytes = try entropy.bytes(count)
        guard bytes.count == count else { throw OTPError.entropyShortRead() }
        return try TOTPSecret(bytes: bytes)
    }

    /// The secret in base32 without padding, upper case: the otpauth `secret=` form.
    public var base32: String { Base32.encode(bytes) }

    public var description: String { "TOTPSecret(\(bytes.count * 8) bits, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
