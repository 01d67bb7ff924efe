/// Which siblings a supervisor restarts when one child dies (OTP's `strategy`).
///
/// A struct over a private enum so strategies can be added without breaking callers.
public struct RestartStrategy: Sendable, Hashable, CustomStringConvertible {
    enum Kind: String, Sendable, Hashable { case oneForOne, oneForAll, restForOne }
    let kind: Kind

    /// Restart only the child that died.
    public static let oneForOne = RestartStrategy(kind: .oneForOne)
    /// Stop every other child (newest first), then restart all in start order.
    public static let oneForAll = RestartStrategy(kind: .oneForAll)
    /// Stop the children started after the dead one (newest first), then restart it and them in order.
    public static let restForOne = RestartStrategy(kind: .restForOne)

    /// The spelling used in specs and snapshots: `one_for_one`, `one_for_all`, `rest_for_one`.
    public var description: String {
        switch kind {
        case .oneForOne: "one_for_one"
        case .oneForAll: "one_for_all"
        case .restForOne: "rest_for_one"
        }
    }

    /// Parses the spec spelling (`one_for_one`…); `nil` for anything else.
    public init?(_ text: String) {
        switch text {
        case "one_for_one": kind = .oneForOne
        case "one_for_all": kind = .oneForAll
        case "rest_for_one": kind = .restForOne
        default: return nil
        }
    }

    init(kind: Kind) { self.kind = kind }
}
