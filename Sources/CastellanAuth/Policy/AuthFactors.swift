/// The factors a device must present: one of the seven policy names operators write.
///
/// `cert`, `cert+totp`, `scram`, `scram+totp`, `password`, `password+totp`, `totp` — exactly
/// these, case-sensitive; anything else is refused with the list of valid names. A struct over
/// a private enum so combinations can be added later without breaking callers that switch on
/// the properties below rather than on cases.
///
/// On the wire: `cert+totp` = client certificate plus the code as the MQTT password;
/// `password+totp` = the password immediately followed by the code in the password field
/// (see ``PasswordWithTOTP``); `scram+totp` = the code as SCRAM attribute `t=`; `totp` = the
/// username is the device id and the password is the code.
public struct AuthFactors: Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    private enum Kind: String, Sendable, Hashable, CaseIterable {
        case cert = "cert"
        case certTOTP = "cert+totp"
        case scram = "scram"
        case scramTOTP = "scram+totp"
        case password = "password"
        case passwordTOTP = "password+totp"
        case totp = "totp"
    }

    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// Client certificate only.
    public static let cert = AuthFactors(.cert)
    /// Client certificate, and the TOTP code as the MQTT password.
    public static let certTOTP = AuthFactors(.certTOTP)
    /// SCRAM (MQTT 5 enhanced authentication).
    public static let scram = AuthFactors(.scram)
    /// SCRAM with the TOTP code bound into the exchange as attribute `t=`.
    public static let scramTOTP = AuthFactors(.scramTOTP)
    /// Username and password (checked against the stored SCRAM keys).
    public static let password = AuthFactors(.password)
    /// Username and password with the TOTP code appended to the password.
    public static let passwordTOTP = AuthFactors(.passwordTOTP)
    /// Username (the device id) and the TOTP code as the password.
    public static let totp = AuthFactors(.totp)

    /// All seven policies, in the order the documentation lists them.
    public static let allCases: [AuthFactors] = Kind.allCases.map(AuthFactors.init)

    /// Parses a policy name exactly; throws ``PolicyError/unknownFactors(fileID:line:)`` otherwise.
    public init(parsing name: String) throws(PolicyError) {
        guard let kind = Kind(rawValue: name) else { throw .unknownFactors() }
        self.kind = kind
    }

    /// The policy name, e.g. `password+totp`.
    public var name: String { kind.rawValue }
    public var description: String { name }

    /// Where the TOTP code travels on the wire, or `nil` if this policy needs none.
    public var totpPlacement: TOTPPlacement? {
        switch kind {
        case .certTOTP, .totp: .passwordField
        case .passwordTOTP: .passwordSuffix
        case .scramTOTP: .scramAttribute
        case .cert, .scram, .password: nil
        }
    }

    /// Whether a TOTP code is required.
    public var requiresTOTP: Bool { totpPlacement != nil }
    /// Whether the identity comes from a verified client certificate.
    public var requiresCertificate: Bool { kind == .cert || kind == .certTOTP }
    /// Whether the device authenticates with SCRAM enhanced authentication.
    public var usesSCRAM: Bool { kind == .scram || kind == .scramTOTP }
    /// Whether a plaintext password (MQTT basic auth) is checked.
    public var usesPassword: Bool { kind == .password || kind == .passwordTOTP }
    /// Whether the identity is claimed by the CONNECT username (then proven by the other
    /// factors) rather than by a certificate or the SCRAM user name.
    public var identityFromUsername: Bool { usesPassword || kind == .totp }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: name)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Where a policy's TOTP code is carried in the connection.
public enum TOTPPlacement: Sendable, Hashable {
    /// The whole MQTT password field is the code (`cert+totp`, `totp`).
    case passwordField
    /// The code is the last `digits` characters of the MQTT password (`password+totp`).
    case passwordSuffix
    /// The code is the SCRAM client-first attribute `t=` (`scram+totp`).
    case scramAttribute
}
