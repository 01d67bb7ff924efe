import CastellanAuth
import CastellanBridge

/// A worker's answer: the decision for the broker, and what the audit trail records.
public struct AuthOutcome: Sendable {
    public var decision: BridgeDecision
    /// The device, once known (also for refusals of a known device).
    public var identity: DeviceID?
    /// How the client authenticated; a closed set, so it is safe as a metric label.
    public var method: AuthMethod
    /// Why it was refused; `nil` for allow and continue.
    public var reason: DenialReason?
    /// For an allow: what the session authenticated with.
    public var credentials: SessionCredentials?

    public static func allow(
        _ identity: DeviceID, rules: ClientACL, data: [UInt8] = [], method: AuthMethod, credentials: SessionCredentials
    ) -> AuthOutcome {
        AuthOutcome(decision: BridgeDecision(result: .allow, username: identity.rawValue, rules: rules.encode(), data: data),
                    identity: identity, method: method, reason: nil, credentials: credentials)
    }

    public static func proceed(_ data: [UInt8], identity: DeviceID? = nil, method: AuthMethod) -> AuthOutcome {
        AuthOutcome(decision: BridgeDecision(result: .continue, data: data), identity: identity, method: method, reason: nil)
    }

    public static func deny(_ reason: DenialReason, identity: DeviceID? = nil, method: AuthMethod) -> AuthOutcome {
        AuthOutcome(decision: .deny, identity: identity, method: method, reason: reason)
    }

    /// The decision's result.
    public var result: BridgeDecision.Result { decision.result }
}

extension BridgeDecision.Result {
    /// `allow`, `continue` or `deny`, as the audit log and metrics say it.
    public var label: String {
        switch self {
        case .allow: "allow"
        case .continue: "continue"
        case .deny: "deny"
        }
    }
}

extension DenialReason {
    /// The device is unknown, disabled, or its policy does not use this method. One text for
    /// all three on the wire side of things; the audit detail tells them apart.
    static func notPermitted(_ detail: String) -> DenialReason { DenialReason(code: "not_permitted", detail: detail) }
    /// The service could not decide (a crashed worker, an unreachable store): failing closed.
    static func unavailable(_ detail: String) -> DenialReason { DenialReason(code: "unavailable", detail: detail) }
    /// The request itself is unusable (no client id, a username that is no device id, …).
    static func malformed(_ detail: String) -> DenialReason { DenialReason(code: "malformed", detail: detail) }
}
