/// Why a policy name or setting was refused.
///
/// Equal by code (and its text), not by where it was raised.
public struct PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case unknownFactors
        case unknownClientIDBinding
        case invalidLockout(String)
        case invalidRateLimit(String)
        case invalidClientID(String)
    }

    private let code: Code
    /// Where it was raised, for debugging; not part of equality.
    public let origin: ErrorOrigin

    /// Not one of the ``AuthFactors`` names.
    public static func unknownFactors(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unknownFactors, origin: ErrorOrigin(fileID, line))
    }

    /// Not `equal`, `prefix` or `any`.
    public static func unknownClientIDBinding(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unknownClientIDBinding, origin: ErrorOrigin(fileID, line))
    }

    /// A ``LockoutPolicy`` setting out of range; `rule` names it.
    public static func invalidLockout(_ rule: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidLockout(rule), origin: ErrorOrigin(fileID, line))
    }

    /// A ``RateLimitPolicy`` setting out of range; `rule` names it.
    public static func invalidRateLimit(_ rule: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidRateLimit(rule), origin: ErrorOrigin(fileID, line))
    }

    /// A ``BoundClientID`` that breaks its grammar; `what` names the broken part, the message
    /// adds the rule.
    public static func invalidClientID(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidClientID(what), origin: ErrorOrigin(fileID, line))
    }

    public var description: String {
        switch code {
        case .unknownFactors:
            "unknown policy; expected one of: \(AuthFactors.allCases.map(\.name).joined(separator: ", "))"
        case .unknownClientIDBinding:
            "unknown client id binding; expected one of: \(ClientIDBinding.allCases.map(\.name).joined(separator: ", "))"
        case .invalidLockout(let rule): "invalid lockout policy: \(rule)"
        case .invalidRateLimit(let rule): "invalid rate limit: \(rule)"
        case .invalidClientID(let what): "invalid client id: \(what) (\(BoundClientID.rule))"
        }
    }
}
