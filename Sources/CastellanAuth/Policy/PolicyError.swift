/// Why a policy name or setting was refused.
///
/// Equal by code (and its text), not by where it was raised.
public struct PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case unknownFactors
        case unknownClientIDBinding
        case invalidLockout(String)
        case invalidRateLimit(String)
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

    /// Not one of the ``AuthFactors`` names.
    public static func unknownFactors(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.unknownFactors, fileID: fileID, line: line)
    }

    /// Not `equal`, `prefix` or `any`.
    public static func unknownClientIDBinding(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.unknownClientIDBinding, fileID: fileID, line: line)
    }

    /// A ``LockoutPolicy`` setting out of range; `rule` names it.
    public static func invalidLockout(_ rule: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidLockout(rule), fileID: fileID, line: line)
    }

    /// A ``RateLimitPolicy`` setting out of range; `rule` names it.
    public static func invalidRateLimit(_ rule: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidRateLimit(rule), fileID: fileID, line: line)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        switch code {
        case .unknownFactors:
            "unknown policy; expected one of: \(AuthFactors.allCases.map(\.name).joined(separator: ", "))"
        case .unknownClientIDBinding:
            "unknown client id binding; expected one of: \(ClientIDBinding.allCases.map(\.name).joined(separator: ", "))"
        case .invalidLockout(let rule): "invalid lockout policy: \(rule)"
        case .invalidRateLimit(let rule): "invalid rate limit: \(rule)"
        }
    }
}
