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
    /// The file that raised the error, for debugging; not part of equality.
    public let fileID: String
    /// The line that raised the error, for debugging; not part of equality.
    public let line: Int

    private init(_ code: Code, fileID: String, line: Int) {
        self.code = code
        self.fileID = fileID
        self.line = line
    }

    /// Longer than ``OTPAuthURI/maxLength`` bytes.
    public static func tooLong(fileID: String = #fileID, line: Int = #line) -> Self { Self(.tooLong, fileID: fileID, line: line) }
    /// Not URI-shaped: raw bytes outside printable ASCII, a fragment, no type, or an empty/`=`-less query part.
    public static func malformed(fileID: String = #fileID, line: Int = #line) -> Self { Self(.malformed, fileID: fileID, line: line) }
    /// The scheme is not `otpauth://`.
    public static func invalidScheme(fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidScheme, fileID: fileID, line: line) }
    /// The type is not `totp` (HOTP enrolment is not offered).
    public static func unsupportedType(fileID: String = #fileID, line: Int = #line) -> Self { Self(.unsupportedType, fileID: fileID, line: line) }
    /// The label (issuer prefix or account) is empty, holds a colon, a raw `/`, a control character or is too long.
    public static func invalidLabel(fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidLabel, fileID: fileID, line: line) }
    /// The `issuer` is empty, holds a colon or a control character, or is too long.
    public static func invalidIssuer(fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidIssuer, fileID: fileID, line: line) }
    /// The label's issuer prefix and the `issuer` parameter disagree.
    public static func issuerMismatch(fileID: String = #fileID, line: Int = #line) -> Self { Self(.issuerMismatch, fileID: fileID, line: line) }
    /// A `%` not followed by two hex digits, or escapes that decode to invalid UTF-8.
    public static func invalidPercentEncoding(fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidPercentEncoding, fileID: fileID, line: line) }
    /// No `secret` parameter.
    public static func missingSecret(fileID: String = #fileID, line: Int = #line) -> Self { Self(.missingSecret, fileID: fileID, line: line) }
    /// The secret is not base32 or is shorter than 160 bits.
    public static func invalidSecret(_ reason: OTPError, fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidSecret(reason), fileID: fileID, line: line) }
    /// A parameter appears twice: refused rather than guessing which one counts.
    public static func duplicateParameter(_ name: String, fileID: String = #fileID, line: Int = #line) -> Self { Self(.duplicateParameter(name), fileID: fileID, line: line) }
    /// A parameter other than secret, issuer, algorithm, digits, period.
    public static func unknownParameter(fileID: String = #fileID, line: Int = #line) -> Self { Self(.unknownParameter, fileID: fileID, line: line) }
    /// `algorithm` is not SHA1, SHA256 or SHA512.
    public static func invalidAlgorithm(fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidAlgorithm, fileID: fileID, line: line) }
    /// `digits` is not 6, 7 or 8.
    public static func invalidDigits(fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidDigits, fileID: fileID, line: line) }
    /// `period` is not a whole number of seconds in 1...300.
    public static func invalidPeriod(fileID: String = #fileID, line: Int = #line) -> Self { Self(.invalidPeriod, fileID: fileID, line: line) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

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
