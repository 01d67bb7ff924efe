/// Why an HOTP/TOTP parameter, secret or time was refused.
///
/// Equal by code (and the code's values), not by where it was raised, so tests and callers
/// can match on it. No message ever contains secret material: only lengths and names.
public struct OTPError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case secretTooShort(byteCount: Int)
        case invalidSecretEncoding(Base32Error)
        case entropyShortRead
        case invalidDigits(Int)
        case invalidPeriod(Int)
        case unknownAlgorithm
        case timeBeforeT0
    }

    private let code: Code
    /// Where it was raised, for debugging; not part of equality.
    public let origin: ErrorOrigin

    /// The secret is shorter than ``TOTPSecret/minimumByteCount`` (160 bits, RFC 4226 R6).
    public static func secretTooShort(byteCount: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .secretTooShort(byteCount: byteCount), origin: ErrorOrigin(fileID, line))
    }

    /// The secret's base32 text did not decode.
    public static func invalidSecretEncoding(_ reason: Base32Error, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidSecretEncoding(reason), origin: ErrorOrigin(fileID, line))
    }

    /// The entropy source returned fewer bytes than asked for; never padded or retried silently.
    public static func entropyShortRead(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .entropyShortRead, origin: ErrorOrigin(fileID, line))
    }

    /// The code length is outside 6...8 (RFC 4226 §5.3).
    public static func invalidDigits(_ digits: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidDigits(digits), origin: ErrorOrigin(fileID, line))
    }

    /// The time step is outside ``TOTP/periodRange``.
    public static func invalidPeriod(_ period: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidPeriod(period), origin: ErrorOrigin(fileID, line))
    }

    /// The algorithm name is not SHA1, SHA256 or SHA512.
    public static func unknownAlgorithm(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unknownAlgorithm, origin: ErrorOrigin(fileID, line))
    }

    /// The time lies before T0 (or so far from it that the step overflows), so it has no step.
    public static func timeBeforeT0(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .timeBeforeT0, origin: ErrorOrigin(fileID, line))
    }

    public var description: String {
        switch code {
        case .secretTooShort(let count):
            "TOTP secret is \(count * 8) bits; at least \(TOTPSecret.minimumByteCount * 8) bits are required"
        case .invalidSecretEncoding(let reason): "TOTP secret is not valid base32: \(reason)"
        case .entropyShortRead: "the entropy source returned fewer bytes than requested"
        case .invalidDigits(let digits): "digits must be 6, 7 or 8, not \(digits)"
        case .invalidPeriod(let period):
            "period must be \(TOTP.periodRange.lowerBound)...\(TOTP.periodRange.upperBound) seconds, not \(period)"
        case .unknownAlgorithm: "algorithm must be SHA1, SHA256 or SHA512"
        case .timeBeforeT0: "time lies before T0 or outside the representable range of time steps"
        }
    }
}
