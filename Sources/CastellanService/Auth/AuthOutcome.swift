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
    /// On allow: what the session authenticated with (sent to the plugin encoded, as the decision's tag).
    public var session: SessionTag?

    /// An allow, or a deny when the session's tag cannot be encoded (see ``SessionTag/encoded()``).
    public static func allow(_ session: SessionTag, rules: ClientACL, data: [UInt8] = [], method: AuthMethod) -> AuthOutcome {
        guard let tag = session.encoded() else {
            return .deny(.malformed("session tag too long"), identity: session.device, method: method)
        }
        let identity = session.device
        return AuthOutcome(decision: BridgeDecision(result: .allow, username: identity.rawValue, rules: rules.encode(), data: data, tag: tag),
                           identity: identity, method: method, reason: nil, session: session)
    }

    public static func proceed(_ data: [UInt8], identity: DeviceID? = nil, method: AuthMethod) -> AuthOutcome {
        AuthOutcome(decision: BridgeDecision(result: .continue, data: data), identity: identity, method: method, reason: nil, session: nil)
    }

    public static func deny(_ reason: DenialReason, identity: DeviceID? = nil, method: AuthMethod) -> AuthOutcome {
        AuthOutcome(decision: .deny, identity: identity, method: method, reason: reason, session: nil)
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
