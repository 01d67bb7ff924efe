/// The HMAC hash behind an HOTP/TOTP code (RFC 6238 §1.2: SHA-1, SHA-256, SHA-512).
public enum OTPAlgorithm: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"

    /// Parses `SHA1`, `SHA256` or `SHA512` in any letter case, the spellings of the
    /// otpauth key-uri format; anything else (`SHA-1`, `MD5`, stray spaces) is refused.
    public init(parsing name: String) throws(OTPError) {
        switch name.uppercased() {
        case "SHA1": self = .sha1
        case "SHA256": self = .sha256
        case "SHA512": self = .sha512
        default: throw .unknownAlgorithm()
        }
    }

    /// The canonical upper-case name, as written in otpauth URIs and the CLI.
    public var name: String { rawValue }

    public var description: String { rawValue }

    /// The secret length ``TOTPSecret/generate(using:algorithm:)`` draws: the hash's output
    /// size, as RFC 6238's reference seeds use (20, 32 and 64 bytes).
    public var generatedSecretByteCount: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }
}
