/// Why a SCRAM exchange, message or credential was refused.
///
/// Equal by ``code`` only, so tests and callers compare kinds while the `file`/`line` of
/// the throw site and the human ``detail`` stay available for the audit log. Neither the
/// detail nor the description ever holds a password, proof, key, salt or TOTP code.
/// ``serverErrorValue`` is the RFC 5802 `server-error-value` to send as `e=`.
public struct SCRAMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; stable for metrics and tests. More codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidEncoding = "invalid_encoding"
            case extensionsNotSupported = "extensions_not_supported"
            case invalidProof = "invalid_proof"
            case channelBindingsDontMatch = "channel_bindings_dont_match"
            case serverDoesSupportChannelBinding = "server_does_support_channel_binding"
            case channelBindingNotSupported = "channel_binding_not_supported"
            case unsupportedChannelBindingType = "unsupported_channel_binding_type"
            case invalidUsernameEncoding = "invalid_username_encoding"
            case authorizationIdentityMismatch = "authorization_identity_mismatch"
            case noResources = "no_resources"
            case messageTooLong = "message_too_long"
            case nonceMismatch = "nonce_mismatch"
            case iterationCountOutOfRange = "iteration_count_out_of_range"
            case mechanismNotAllowed = "mechanism_not_allowed"
            case unexpectedMessage = "unexpected_message"
            case totpRequired = "totp_required"
            case totpNotExpected = "totp_not_expected"
            case totpRejected = "totp_rejected"
            case invalidServerSignature = "invalid_server_signature"
            case serverError = "server_error"
            case invalidPassword = "invalid_password"
            case invalidCredential = "invalid_credential"
        }
        fileprivate let base: Base

        /// Malformed message: grammar, base64, UTF-8, NUL, escaping, missing/duplicated attributes.
        public static let invalidEncoding = Code(base: .invalidEncoding)
        /// A mandatory `m=` or an extension attribute Castellan does not know.
        public static let extensionsNotSupported = Code(base: .extensionsNotSupported)
        /// Wrong password, or unknown user: the two are indistinguishable by design.
        public static let invalidProof = Code(base: .invalidProof)
        /// `c=` differs from the gs2 header (and channel-binding data), or a `-PLUS`/flag mismatch.
        public static let channelBindingsDontMatch = Code(base: .channelBindingsDontMatch)
        /// The client sent `y` although this server offers `-PLUS` here: a downgrade.
        public static let serverDoesSupportChannelBinding = Code(base: .serverDoesSupportChannelBinding)
        /// Channel binding requested where the server offers none.
        public static let channelBindingNotSupported = Code(base: .channelBindingNotSupported)
        /// A channel-binding type other than `tls-server-end-point`.
        public static let unsupportedChannelBindingType = Code(base: .unsupportedChannelBindingType)
        /// The username is empty, badly escaped, or holds a control character.
        public static let invalidUsernameEncoding = Code(base: .invalidUsernameEncoding)
        /// An authzid (`a=`) other than the username.
        public static let authorizationIdentityMismatch = Code(base: .authorizationIdentityMismatch)
        /// Randomness or key derivation failed; nothing the peer did.
        public static let noResources = Code(base: .noResources)
        /// A message over ``SCRAMServer/maximumMessageLength`` bytes.
        public static let messageTooLong = Code(base: .messageTooLong)
        /// The nonce does not extend (client side) or does not equal (server side) the expected one.
        public static let nonceMismatch = Code(base: .nonceMismatch)
        /// Iteration count under 4096, or (client side) over the configured maximum.
        public static let iterationCountOutOfRange = Code(base: .iterationCountOutOfRange)
        /// Mechanism not enabled here (legacy SHA-1 without the switch, `-PLUS` off).
        public static let mechanismNotAllowed = Code(base: .mechanismNotAllowed)
        /// A step out of order, or any step after the exchange ended.
        public static let unexpectedMessage = Code(base: .unexpectedMessage)
        /// The account needs a TOTP code and the client sent no `t=`.
        public static let totpRequired = Code(base: .totpRequired)
        /// The client sent `t=` to an account that does not use TOTP.
        public static let totpNotExpected = Code(base: .totpNotExpected)
        /// The TOTP check refused the code.
        public static let totpRejected = Code(base: .totpRejected)
        /// Client side: the server's `v=` is wrong or missing (no mutual authentication).
        public static let invalidServerSignature = Code(base: .invalidServerSignature)
        /// Client side: the server answered `e=`; ``SCRAMError/detail`` holds its value.
        public static let serverError = Code(base: .serverError)
        /// A password that cannot be used (empty, too long, control characters, invalid UTF-8).
        public static let invalidPassword = Code(base: .invalidPassword)
        /// Stored credential fields that cannot be right (key sizes, salt, iterations).
        public static let invalidCredential = Code(base: .invalidCredential)

        /// The stable snake_case name, e.g. `invalid_proof`, for metrics and the audit log.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, for the audit log; never secret material.
    public let detail: String
    /// Where it was thrown.
    public let file: String
    /// Where it was thrown.
    public let line: Int

    init(_ code: Code, _ detail: String, file: String, line: Int) {
        self.code = code
        self.detail = detail
        self.file = file
        self.line = line
    }

    /// The RFC 5802 `server-error-value` for this failure.
    ///
    /// Every second-factor failure maps to `invalid-proof`, so the wire never says which
    /// factor failed; the distinct ``code`` is for the audit trail. `unknown-user` is never
    /// produced: unknown users fail exactly like wrong passwords.
    public var serverErrorValue: String {
        switch code.base {
        case .invalidEncoding: "invalid-encoding"
        case .extensionsNotSupported: "extensions-not-supported"
        case .invalidProof, .totpRequired, .totpNotExpected, .totpRejected: "invalid-proof"
        case .channelBindingsDontMatch: "channel-bindings-dont-match"
        case .serverDoesSupportChannelBinding: "server-does-support-channel-binding"
        case .channelBindingNotSupported: "channel-binding-not-supported"
        case .unsupportedChannelBindingType: "unsupported-channel-binding-type"
        case .invalidUsernameEncoding: "invalid-username-encoding"
        case .noResources: "no-resources"
        case .authorizationIdentityMismatch, .messageTooLong, .nonceMismatch, .iterationCountOutOfRange,
             .mechanismNotAllowed, .unexpectedMessage, .invalidServerSignature, .serverError,
             .invalidPassword, .invalidCredential:
            "other-error"
        }
    }

    /// The RFC 5802 server-final message carrying this error: `e=<value>`.
    public var serverFinalMessage: [UInt8] { Array("e=\(serverErrorValue)".utf8) }

    /// `SCRAM <code>: <detail>`, safe to log.
    public var description: String { "SCRAM \(code): \(detail)" }

    /// Equal when the codes are equal; detail and throw site do not count.
    public static func == (lhs: SCRAMError, rhs: SCRAMError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension SCRAMError {
    static func invalidEncoding(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidEncoding, detail, file: file, line: line)
    }
    static func extensionsNotSupported(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.extensionsNotSupported, detail, file: file, line: line)
    }
    static func invalidProof(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidProof, detail, file: file, line: line)
    }
    static func channelBindingsDontMatch(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.channelBindingsDontMatch, detail, file: file, line: line)
    }
    static func serverDoesSupportChannelBinding(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.serverDoesSupportChannelBinding, detail, file: file, line: line)
    }
    static func channelBindingNotSupported(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.channelBindingNotSupported, detail, file: file, line: line)
    }
    static func unsupportedChannelBindingType(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.unsupportedChannelBindingType, detail, file: file, line: line)
    }
    static func invalidUsernameEncoding(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidUsernameEncoding, detail, file: file, line: line)
    }
    static func authorizationIdentityMismatch(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.authorizationIdentityMismatch, detail, file: file, line: line)
    }
    static func noResources(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.noResources, detail, file: file, line: line)
    }
    static func messageTooLong(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.messageTooLong, detail, file: file, line: line)
    }
    static func nonceMismatch(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.nonceMismatch, detail, file: file, line: line)
    }
    static func iterationCountOutOfRange(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.iterationCountOutOfRange, detail, file: file, line: line)
    }
    static func mechanismNotAllowed(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.mechanismNotAllowed, detail, file: file, line: line)
    }
    static func unexpectedMessage(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.unexpectedMessage, detail, file: file, line: line)
    }
    static func totpRequired(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.totpRequired, detail, file: file, line: line)
    }
    static func totpNotExpected(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.totpNotExpected, detail, file: file, line: line)
    }
    static func totpRejected(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.totpRejected, detail, file: file, line: line)
    }
    static func invalidServerSignature(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidServerSignature, detail, file: file, line: line)
    }
    static func serverError(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.serverError, detail, file: file, line: line)
    }
    static func invalidPassword(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidPassword, detail, file: file, line: line)
    }
    static func invalidCredential(_ detail: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidCredential, detail, file: file, line: line)
    }
}
