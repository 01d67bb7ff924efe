/// An `otpauth://totp/` key URI (Google Authenticator key-uri format), the form an
/// authenticator app or a device imports a TOTP enrolment from.
///
/// Generated as `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=…&digits=…&period=…`
/// with the secret in base32 without padding and every parameter written out, so apps that
/// ignore defaults still agree. Parsing is strict (see ``init(parsing:)``). The secret is in
/// ``uri``; `description` is redacted so the URI is never logged by accident.
public struct OTPAuthURI: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The longest URI accepted by the parser, in bytes: far above any real enrolment
    /// (a 64-byte secret is 103 characters), small enough to bound the work on hostile input.
    public static let maxLength = 4096
    /// The longest issuer or account name, in UTF-8 bytes.
    public static let maxNameLength = 256

    /// Who issued the key (shown by the app); `nil` if the URI names none.
    public let issuer: String?
    /// The account the key belongs to, normally the device id.
    public let account: String
    /// The key and its parameters.
    public let totp: TOTP

    /// Validates the names; throws ``OTPAuthURIError/invalidIssuer(fileID:line:)`` or
    /// ``OTPAuthURIError/invalidLabel(fileID:line:)`` for empty names, colons (the label
    /// separator), control characters, a leading space on the account (the format strips it),
    /// or names longer than ``maxNameLength`` bytes.
    public init(issuer: String?, account: String, totp: TOTP) throws(OTPAuthURIError) {
        if let issuer, !Self.isValidName(issuer) { throw .invalidIssuer() }
        guard Self.isValidName(account), !account.hasPrefix(" ") else { throw .invalidLabel() }
        self.issuer = issuer
        self.account = account
        self.totp = totp
    }

    /// The URI text, secret included: show it to the operator or encode it as a QR code, never log it.
    public var uri: String {
        var label = PercentEncoding.encode(account)
        var query = "secret=\(totp.secret.base32)"
        if let issuer {
            let encoded = PercentEncoding.encode(issuer)
            label = "\(encoded):\(label)"
            query += "&issuer=\(encoded)"
        }
        query += "&algorithm=\(totp.algorithm.name)&digits=\(totp.digits)&period=\(totp.period)"
        return "otpauth://totp/\(label)?\(query)"
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.count <= maxNameLength
            && !name.unicodeScalars.contains { $0 == ":" || $0.properties.generalCategory == .control }
    }

    public var description: String {
        "OTPAuthURI(issuer: \(issuer ?? "none"), account: \(account), \(totp), secret redacted)"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["issuer": issuer as Any, "account": account, "totp": totp])
    }
}
