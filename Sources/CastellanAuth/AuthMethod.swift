/// How a client authenticated, or tried to: one closed vocabulary from the plugin link to the
/// metrics and the audit trail.
///
/// Closed on purpose: a method becomes a Prometheus label and an audit field, and the
/// enhanced-auth method a client sends is unauthenticated input. Whatever it names, it maps to
/// one of these cases — anything Castellan does not offer to ``other`` (and is refused) — so
/// no client can mint label values.
public enum AuthMethod: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A client certificate alone.
    case certificate
    /// A client certificate and a TOTP code in the CONNECT password.
    case certificateTOTP = "cert+totp"
    /// A password (MQTT basic auth).
    case password
    /// A password with a TOTP code appended.
    case passwordTOTP = "password+totp"
    /// A TOTP code alone, in the password field.
    case totp
    /// MQTT 5 enhanced auth with `SCRAM-SHA-1` (legacy; refused unless allowed).
    case scramSHA1 = "SCRAM-SHA-1"
    /// MQTT 5 enhanced auth with `SCRAM-SHA-256`.
    case scramSHA256 = "SCRAM-SHA-256"
    /// MQTT 5 enhanced auth with `SCRAM-SHA-512`.
    case scramSHA512 = "SCRAM-SHA-512"
    /// `SCRAM-SHA-256-PLUS`: bound to the broker's TLS certificate (`tls-server-end-point`);
    /// offered on the TLS password listener only.
    case scramSHA256Plus = "SCRAM-SHA-256-PLUS"
    /// `SCRAM-SHA-512-PLUS`, as ``scramSHA256Plus``.
    case scramSHA512Plus = "SCRAM-SHA-512-PLUS"
    /// An enhanced-auth method Castellan does not offer (`SCRAM-SHA-1-PLUS` included): refused.
    case other

    /// The method a client's MQTT 5 Authentication Method names: a SCRAM mechanism, compared
    /// exactly (case-sensitive, as SASL names are), or ``other``.
    public init(enhancedAuthMethod name: String) {
        self = switch name {
        case Self.scramSHA1.rawValue: .scramSHA1
        case Self.scramSHA256.rawValue: .scramSHA256
        case Self.scramSHA512.rawValue: .scramSHA512
        case Self.scramSHA256Plus.rawValue: .scramSHA256Plus
        case Self.scramSHA512Plus.rawValue: .scramSHA512Plus
        default: .other
        }
    }

    /// The method of a SCRAM mechanism: ``other`` for `SCRAM-SHA-1-PLUS`, which is never offered.
    public init(_ mechanism: SCRAMMechanism) {
        self = AuthMethod(enhancedAuthMethod: mechanism.name)
    }

    /// The method of a CONNECT password checked under `policy`: ``passwordTOTP`` or ``totp``
    /// for those policies, ``password`` for any other (the password path admits no other).
    public init(passwordPolicy policy: AuthFactors) {
        self = switch policy {
        case .passwordTOTP: .passwordTOTP
        case .totp: .totp
        default: .password
        }
    }

    /// The label metrics and the audit trail use: one of a fixed set.
    public var description: String { rawValue }
}
