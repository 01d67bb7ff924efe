import CastellanAuth
import CastellanBridge
import CastellanStore
import Foundation
import Logging
import Synchronization

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

    func connectionClosed(_ connection: UInt64, generation: UInt64, on broker: BrokerLink) {
        context.sessions.closed(SessionDirectory.key(connection, generation, on: broker))
        // Its SCRAM exchange goes with it: nothing will ask for it again.
        context.pools.scramExchanges?.remove(SCRAMExchangeKey(broker: broker.session, connection: connection, generation: generation))
    }

    func connectionsResumed(_ report: SessionReport, on broker: BrokerLink) {
        for live in report.connections {
            // A tag or client id that does not decode is entered nowhere; recheck kicks it.
            guard let tag = SessionTag(decoding: live.tag), let clientID = String(validating: live.clientID, as: UTF8.self) else { continue }
            context.sessions.resumed(SessionDirectory.Session(
                broker: broker, connection: live.connection, generation: live.generation, clientID: clientID, tag: tag))
        }
    }

    /// Re-checks each reported connection against the store (``SessionRecheck``): kicks those
    /// no longer allowed — and those it cannot judge: a tag it cannot read, a store it cannot
    /// reach (fail closed) — and pushes current rules to the rest.
    func recheck(_ report: SessionReport, on broker: BrokerLink) async {
        let recheck = SessionRecheck(store: context.store, identity: context.settings.identityCheck)
        var kicked = 0
        for live in report.connections {
            let verdict: SessionRecheck.Verdict
            if let tag = SessionTag(decoding: live.tag), let clientID = String(validating: live.clientID, as: UTF8.self) {
                do { verdict = try await recheck.verdict(for: tag, clientID: clientID) } catch { verdict = .kick("store unavailable: \(error)") }
            } else {
                verdict = .kick("unreadable session tag")
            }
            switch verdict {
            case .keep(let rules):
                try? await broker.push(.setRules(connection: live.connection, generation: live.generation, rules: rules.encode()))
            case .kick(let reason):
                kicked += 1
                context.sessions.closed(SessionDirectory.key(live.connection, live.generation, on: broker))
                logger.info("kicking a resumed session", metadata: ["broker": "\(broker)", "reason": "\(reason)"])
                try? await broker.push(.kick(connection: live.connection, generation: live.generation))
            }
        }
        if report.last {
            logger.info("broker resynced", metadata: ["broker": "\(broker)", "kicked": "\(kicked)"])
            context.brokerResynced.set(true)
        }
    }

    func deciding(_ request: BridgeAuthRequest, from broker: BrokerLink) {
        context.sessions.deciding(SessionDirectory.key(request.connection, request.generation, on: broker))
    }

    /// Decides; ``deciding(_:from:)`` was called for the request before, on the frame loop.
    func decide(_ request: BridgeAuthRequest, from broker: BrokerLink) async -> BridgeDecision {
        let started = ContinuousClock.now
        let key = SessionDirectory.key(request.connection, request.generation, on: broker)
        var outcome: AuthOutcome
        do {
            outcome = try await route(request, from: broker)
        } catch {
            outcome = .deny(.unavailable("\(error)"), method: request.method)
        }
        // A re-authentication must prove the device the connection was admitted as. Its allow
        // comes with its last step — for SCRAM the CONTINUE, not the START that says it is one —
        // so any enhanced step that allows a connection with a session is checked.
        if case .enhanced = request, outcome.decision.result == .allow, let admitted = context.sessions.session(key)?.device,
           outcome.identity != admitted {
            outcome = .deny(.notPermitted("re-authentication as another device"), identity: outcome.identity, method: outcome.method)
        }
        // Entered only if the connection is still there: a late allow for a connection that
        // closed meanwhile leaves nothing behind (and the plugin discards it by generation).
        context.sessions.decided(key, admitting: session(outcome, request, broker))
        record(outcome, request, broker, started: started)
        return outcome.decision
    }

    /// The fast lane: a connect of a device whose last allow is remembered (``AdmissionCache``)
    /// — same client id and username, the same proof (the password in the verified cache, the
    /// certificate in the verifier's cache), nothing noted against it, and no change committed
    /// that the notifier has not applied — is decided here, as its frame arrives on the link's
    /// thread, with no task, worker or profile read; `nil` sends anything else the usual way
    /// (``decide(_:from:)``). SCRAM's steps have a fast lane of their own (Authenticator+SCRAM.swift).
    /// The rate limit is taken only for a request decided here, so no
    /// request pays it twice. On a store that cannot tell its newest change at once
    /// (PostgreSQL) every request goes the usual way.
    ///
    /// The session is entered before the admission is checked once more: a change the notifier
    /// applies meanwhile either sees the session (and re-checks it) or has forgotten the
    /// admission, and then the session is taken out again and the request goes the usual way.
    func decideAtOnce(_ basic: BasicAuthRequest, from broker: BrokerLink) -> BridgeDecision? {
        let started = ContinuousClock.now
        guard let admission = admission(proven: basic, now: started),
              answers(admission, clientID: basic.clientID, username: basic.username)
        else { return nil }
        let request = BridgeAuthRequest.basic(basic)
        var outcome = admission.outcome
        if !context.admitsAttempt(from: basic.address) { outcome = .deny(.rateLimited(), method: outcome.method) }
        guard enterAtOnce(outcome, of: admission, request, broker) else { return nil }
        record(outcome, request, broker, started: started, fastLane: true)
        return outcome.decision
    }

    /// Whether `admission` may answer a connect with this client id and username now: the same
    /// pair as then, nothing noted against the device since, and nothing committed to the store
    /// that the notifier has not applied (and so forgotten what it changed).
    func answers(_ admission: AdmissionCache.Admission, clientID: [UInt8]?, username: [UInt8]?) -> Bool {
        guard let clientID, admission.clientID == clientID, admission.username == username,
              context.failures.deviceFailures(0, device: admission.device) == 0,
              let head = context.store.latestChangeIDNow(), head == context.appliedChange.load(ordering: .acquiring)
        else { return false }
        return true
    }

    /// Enters the session of `outcome`, decided at once from `admission`, then checks once more
    /// that the admission was not forgotten meanwhile; `false` if it was (the session taken out
    /// again): the request then goes the usual way.
    func enterAtOnce(_ outcome: AuthOutcome, of admission: AdmissionCache.Admission, _ request: BridgeAuthRequest,
                     _ broker: BrokerLink) -> Bool {
        let key = SessionDirectory.key(request.connection, request.generation, on: broker)
        context.sessions.deciding(key)
        let entered = context.sessions.decided(key, admitting: session(outcome, request, broker))
        if entered, !context.admissions.isCurrent(admission) {
            context.sessions.closed(key)
            return false
        }
        return true
    }

    /// The remembered admission of the device `basic` proves itself as, if it proves it the same way.
    private func admission(proven basic: BasicAuthRequest, now: ContinuousClock.Instant) -> AdmissionCache.Admission? {
        if basic.certificate.isEmpty {
            guard let username = basic.username, let password = basic.password, let name = String(validating: username, as: UTF8.self),
                  let device = try? DeviceID(name), let admission = context.admissions.admission(of: device),
                  case .password(let credential) = admission.proof,
                  context.passwordCache.withLock({ $0.contains(identity: name, password: password, credential: credential, now: now) })
            else { return nil }
            return admission
        }
        guard let certificate = context.certificateCache?.lookup(derEncoded: basic.certificate, at: Date()),
              let admission = context.admissions.admission(of: certificate.deviceID),
              admission.proof == .certificate(certificate.fingerprint)
        else { return nil }
        return admission
    }

    /// The session an allow opens.
    private func session(_ outcome: AuthOutcome, _ request: BridgeAuthRequest, _ broker: BrokerLink) -> SessionDirectory.Session? {
        guard outcome.decision.result == .allow, let tag = outcome.session else { return nil }
        return SessionDirectory.Session(broker: broker, connection: request.connection, generation: request.generation,
                                        clientID: request.clientIDText ?? "", tag: tag)
    }

    /// Counts the decision and writes it to the audit trail.
    func record(_ outcome: AuthOutcome, _ request: BridgeAuthRequest, _ broker: BrokerLink, started: ContinuousClock.Instant,
                fastLane: Bool = false) {
        context.threads.recordDecision()
        context.metrics.record(outcome, duration: started.duration(to: .now), fastLane: fastLane)
        context.audit.record(AuditEntry(
            time: AuditEntry.time(of: Date()), identity: outcome.identity?.rawValue, clientID: request.clientIDText,
            address: request.address, method: outcome.method.description, result: outcome.result.label,
            reason: outcome.reason?.description, brokerID: broker.brokerID))
    }

    private func route(_ request: BridgeAuthRequest, from broker: BrokerLink) async throws -> AuthOutcome {
        let pools = context.pools
        switch request {
        case .basic(let basic):
            guard context.admitsAttempt(from: basic.address) else { return .deny(.rateLimited(), method: request.method) }
            if !basic.certificate.isEmpty {
                guard let pool = pools.certificate else { return .deny(.unavailable("no certificate pool"), method: .certificate) }
                return try await pool.decide(basic, lane: context.threads.currentLane, context: context)
            }
            guard let pool = pools.password else { return .deny(.unavailable("no password pool"), method: .password) }
            // Finished here, not in the worker: a key derivation must not hold the worker, and
            // the TOTP claim (once-only) must not be cut off by a worker's death. Idempotent: a
            // retry after a worker's death re-runs the same reads; at worst a refused attempt
            // is counted twice toward lockout (docs/supervision.md).
            return try await pool.submit(basic, lane: context.threads.currentLane, idempotent: true).outcome(context)
        case .enhanced(let enhanced):
            if enhanced.step != .continue, !context.admitsAttempt(from: enhanced.address) {
                return .deny(.rateLimited(), method: AuthMethod(enhancedAuthMethod: enhanced.method))
            }
            guard let pool = pools.scram else { return .deny(.unavailable("no SCRAM pool"), method: AuthMethod(enhancedAuthMethod: enhanced.method)) }
            let step = SCRAMStep(broker: broker.session, request: enhanced)
            // Every step may run again (``SCRAMAuthWorker``): a START replaces the pending
            // exchange and answers anew; a CONTINUE's answer is kept with the exchange, so a
            // retry gets the same answer.
            return try await pool.submit(step, affinity: step.exchange.affinity, idempotent: true)
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

    /// The method before a worker has looked closer; an enhanced-auth method we do not offer
    /// is ``AuthMethod/other``, whatever the client wrote.
    var method: AuthMethod {
        switch self {
        case .basic(let request): request.certificate.isEmpty ? .password : .certificate
        case .enhanced(let request): AuthMethod(enhancedAuthMethod: request.method)
        }
    }
}
