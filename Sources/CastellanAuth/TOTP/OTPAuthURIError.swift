/// Why an otpauth:// URI (or the parts to build one) was refused.
///
/// Equal by code, not by where it was raised. Messages name the broken rule and at most a
/// known parameter name; they never echo the URI, which carries the secret.
public struct OTPAuthURIError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case tooLong
        case malformed
        case invalidScheme
        case unsupportedType
        case invalidLabel
        case invalidIssuer
        case issuerMismatch
        case invalidPercentEncoding
        case missingSecret
        case invalidSecret(OTPError)
        case duplicateParameter(String)
        case unknownParameter
        case invalidAlgorithm
        case invalidDigits
        case invalidPeriod
    }

    private let code: Code
    /// Where it was raised, for debugging; not part of equality.
    public let origin: ErrorOrigin

    /// Longer than ``OTPAuthURI/maxLength`` bytes.
    public static func tooLong(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .tooLong, origin: ErrorOrigin(fileID, line)) }
    /// Not URI-shaped: raw bytes outside printable ASCII, a fragment, no type, or an empty/`=`-less query part.
    public static func malformed(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .malformed, origin: ErrorOrigin(fileID, line)) }
    /// The scheme is not `otpauth://`.
    public static func invalidScheme(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidScheme, origin: ErrorOrigin(fileID, line)) }
    /// The type is not `totp` (HOTP enrolment is not offered).
    public static func unsupportedType(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .unsupportedType, origin: ErrorOrigin(fileID, line)) }
    /// The label (issuer prefix or account) is empty, holds a colon, a raw `/`, a control character or is too long.
    public static func invalidLabel(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidLabel, origin: ErrorOrigin(fileID, line)) }
    /// The `issuer` is empty, holds a colon or a control character, or is too long.
    public static func invalidIssuer(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidIssuer, origin: ErrorOrigin(fileID, line)) }
    /// The label's issuer prefix and the `issuer` parameter disagree.
    public static func issuerMismatch(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .issuerMismatch, origin: ErrorOrigin(fileID, line)) }
    /// A `%` not followed by two hex digits, or escapes that decode to invalid UTF-8.
    public static func invalidPercentEncoding(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidPercentEncoding, origin: ErrorOrigin(fileID, line)) }
    /// No `secret` parameter.
    public static func missingSecret(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .missingSecret, origin: ErrorOrigin(fileID, line)) }
    /// The secret is not base32 or is shorter than 160 bits.
    public static func invalidSecret(_ reason: OTPError, fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidSecret(reason), origin: ErrorOrigin(fileID, line)) }
    /// A parameter appears twice: refused rather than guessing which one counts.
    public static func duplicateParameter(_ name: String, fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .duplicateParameter(name), origin: ErrorOrigin(fileID, line)) }
    /// A parameter other than secret, issuer, algorithm, digits, period.
    public static func unknownParameter(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .unknownParameter, origin: ErrorOrigin(fileID, line)) }
    /// `algorithm` is not SHA1, SHA256 or SHA512.
    public static func invalidAlgorithm(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidAlgorithm, origin: ErrorOrigin(fileID, line)) }
    /// `digits` is not 6, 7 or 8.
    public static func invalidDigits(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidDigits, origin: ErrorOrigin(fileID, line)) }
    /// `period` is not a whole number of seconds in 1...300.
    public static func invalidPeriod(fileID: String = #fileID, line: Int = #line) -> Self { Self(code: .invalidPeriod, origin: ErrorOrigin(fileID, line)) }

    public var description: String {
        switch code {
        case .tooLong: "otpauth URI is longer than \(OTPAuthURI.maxLength) bytes"
        case .malformed: "otpauth URI is malformed"
        case .invalidScheme: "URI scheme must be otpauth://"
        case .unsupportedType: "only otpauth://totp/ URIs are supported"
        case .invalidLabel: "otpauth label (issuer:account) is invalid"
        case .invalidIssuer: "otpauth issuer is invalid"
        case .issuerMismatch: "otpauth label issuer and issuer parameter differ"
        case .invalidPercentEncoding: "otpauth URI has invalid percent-encoding"
        case .missingSecret: "otpauth URI has no secret"
        case .invalidSecret(let reason): "otpauth secret: \(reason)"
        case .duplicateParameter(let name): "otpauth parameter '\(name)' appears more than once"
        case .unknownParameter: "otpauth URI has an unknown parameter"
        case .invalidAlgorithm: "otpauth algorithm must be SHA1, SHA256 or SHA512"
        case .invalidDigits: "otpauth digits must be 6, 7 or 8"
        case .invalidPeriod: "otpauth period must be 1...300 seconds"
        }
    }
}
