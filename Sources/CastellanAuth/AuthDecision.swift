/// The outcome of one authentication step: a value, never an error.
///
/// Infrastructure failures throw (and reach a supervisor); a refused device is data.
/// `Rules` is the ACL rule set the broker enforces for the connection, in whatever
/// form the ACL layer defines, so this type stays free of ACL details.
public enum AuthDecision<Rules: Sendable>: Sendable {
    /// Let the client in as `identity`; the broker names the connection `username`.
    case allow(identity: DeviceID, username: String, rules: Rules)
    /// An enhanced-auth exchange goes on: send `data` to the client in an AUTH packet.
    case `continue`(data: [UInt8])
    /// Refuse. The reason goes to the audit trail; it never holds a secret.
    case deny(DenialReason)
}

/// Why a client was refused: a stable code for metrics and a human detail for the audit log.
///
/// The detail must never contain a password, code, proof, key or salt.
public struct DenialReason: Sendable, Hashable, CustomStringConvertible {
    /// A short stable code such as `bad_credentials`, `locked_out`, `identity_mismatch`.
    public let code: String
    /// What happened, for the audit trail.
    public let detail: String

    public init(code: String, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
