import CastellanAuth
import CastellanBridge
import CastellanStore
import Logging

/// The bridge's request handler: sends each step to its pool, fails closed on any error,
/// tracks sessions, and records every decision in the audit trail and the metrics.
struct Authenticator: BridgeRequestHandler {
    let context: ServiceContext
    let logger: Logger

    func brokerConnected(_ broker: BrokerLink) async {
        context.sessions.brokerArrived(broker)
        context.brokerConnected.set(true)
        logger.info("broker connected", metadata: ["broker": "\(broker)"])
    }

    func brokerDisconnected(_ broker: BrokerLink) async {
        context.sessions.brokerGone(broker)
        logger.info("broker disconnected", metadata: ["broker": "\(broker)"])
    }

    func connectionClosed(_ connection: UInt64, on broker: BrokerLink) {
        context.sessions.closed(connection, on: broker)
    }

    func decide(_ request: BridgeAuthRequest, from broker: BrokerLink) async -> BridgeDecision {
        let started = ContinuousClock.now
        var outcome: AuthOutcome
        do {
            outcome = try await route(request, from: broker)
        } catch {
            outcome = .deny(.unavailable("\(error)"), method: request.methodName)
        }
        if case .enhanced(let step) = request, step.step == .reauthenticate, outcome.decision.result == .allow,
           outcome.identity != context.sessions.device(connection: step.connection, on: broker) {
            outcome = .deny(.notPermitted("re-authentication as another device"), identity: outcome.identity, method: outcome.method)
        }
        if outcome.decision.result == .allow, let identity = outcome.identity {
            context.sessions.admitted(
                identity, clientID: request.clientIDText ?? "", credentials: outcome.credentials ?? SessionCredentials(),
                connection: request.connection, on: broker)
        }
        context.metrics.record(outcome, duration: started.duration(to: .now))
        context.audit.record(AuditEntry(
            time: context.unixTime, identity: outcome.identity?.rawValue, clientID: request.clientIDText,
            address: request.address, method: outcome.method, result: outcome.result,
            reason: outcome.reason?.description, brokerID: broker.brokerID))
        return outcome.decision
    }

    private func route(_ request: BridgeAuthRequest, from broker: BrokerLink) async throws -> AuthOutcome {
        let pools = context.pools
        switch request {
        case .basic(let basic):
            guard context.admitsAttempt(from: basic.address) else { return .deny(.rateLimited(), method: request.methodName) }
            if !basic.certificate.isEmpty {
                guard let pool = pools.certificate else { return .deny(.unavailable("no certificate pool"), method: "certificate") }
                return try await pool.submit(basic, idempotent: true)
            }
            guard let pool = pools.password else { return .deny(.unavailable("no password pool"), method: "password") }
            // Idempotent: a retry re-runs the same checks, and the one that must stay once-only
            // (a TOTP code's step) is claimed by an atomic store write, so a code the dead
            // worker claimed is refused as a replay, never accepted twice (docs/supervision.md).
            return try await pool.submit(basic, affinity: UInt64(truncatingIfNeeded: (basic.username ?? []).hashValue),
                                         idempotent: true)
        case .enhanced(let enhanced):
            if enhanced.step != .continue, !context.admitsAttempt(from: enhanced.address) {
                return .deny(.rateLimited(), method: enhanced.method)
            }
            guard let pool = pools.scram else { return .deny(.unavailable("no SCRAM pool"), method: enhanced.method) }
            let step = SCRAMStep(broker: broker.session, request: enhanced)
            return try await pool.submit(step, affinity: step.exchange.affinity)
        }
    }
}

extension BridgeAuthRequest {
    /// The client id as text for logs and the audit trail, if it is UTF-8.
    var clientIDText: String? {
        let bytes: [UInt8]?
        switch self {
        case .basic(let request): bytes = request.clientID
        case .enhanced(let request): bytes = request.clientID
        }
        return bytes.flatMap { String(validating: $0, as: UTF8.self) }
    }

    var address: String {
        switch self {
        case .basic(let request): request.address
        case .enhanced(let request): request.address
        }
    }

    /// The method before a worker has looked closer.
    var methodName: String {
        switch self {
        case .basic(let request): request.certificate.isEmpty ? "password" : "certificate"
        case .enhanced(let request): request.method
        }
    }
}
