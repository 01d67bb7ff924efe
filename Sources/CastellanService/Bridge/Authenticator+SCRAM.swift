import CastellanAuth
import CastellanBridge
import Supervision

/// The fast lane for SCRAM: each step of a clean device's exchange answered as its AUTH frame
/// arrives, on the link's thread, with no task, worker or store read — START from the device's
/// remembered admission (``AdmissionCache/Proof/scram(_:)``: the credential its last allow was
/// proven against), CONTINUE when the proof verifies against that same credential.
///
/// Why: a SCRAM connect is two round trips to the service, and the usual way cost ~260–320 µs of
/// the service's CPU for them (two store reads, two hops to a worker and back, the frame loop's
/// async channel), several times a password connect's (Benchmarks/README.md).
///
/// The exchange is kept in the SCRAM pool's own table (``SCRAMAuthWorker``), so each step goes
/// whichever way it can, whichever way the other went: a START answered here is finished by a
/// worker when its CONTINUE cannot be (a wrong proof, a change committed meanwhile), and a
/// worker's START is finished here when the admission holds. Only a server-first and an allow
/// are answered here; anything else — a wrong proof, a TOTP code, a re-authentication, an
/// expired exchange, a device with no admission or with another credential, a change the
/// notifier has not applied — goes the usual way, which counts failures and names the refusal,
/// and finds the table as it was.
extension Authenticator {
    func decideAtOnce(_ enhanced: ExtAuthRequest, from broker: BrokerLink) -> BridgeDecision? {
        let started = ContinuousClock.now
        guard let exchanges = context.pools.scramExchanges else { return nil }
        let key = SCRAMExchangeKey(broker: broker.session, request: enhanced)
        let outcome: AuthOutcome?
        switch enhanced.step {
        case .start: outcome = start(enhanced, key: key, exchanges: exchanges)
        case .continue: outcome = finish(enhanced, key: key, exchanges: exchanges, broker: broker)
        case .reauthenticate: outcome = nil  // the usual way checks it is the same device
        }
        guard let outcome else { return nil }
        record(outcome, .enhanced(enhanced), broker, started: started, fastLane: true)
        return outcome.decision
    }

    /// Server-first for a device with a SCRAM admission, the exchange kept for its CONTINUE;
    /// `nil` for anything else, with nothing changed.
    private func start(_ request: ExtAuthRequest, key: SCRAMExchangeKey,
                       exchanges: SupervisorTable<SCRAMExchangeKey, SCRAMExchange>) -> AuthOutcome? {
        guard let mechanism = SCRAMMechanism(name: request.method) else { return nil }
        let settings = context.settings
        let binding = settings.channelBinding?.binding(forListenerPort: request.listenerPort)
        guard binding != nil || !mechanism.usesChannelBinding,
              var server = try? SCRAMServer(mechanism: mechanism, configuration: settings.scram, channelBinding: binding,
                                            createdAt: .now, entropy: context.entropy),
              let username = try? server.receiveClientFirst(request.data), let device = try? DeviceID(username),
              let admission = context.admissions.admission(of: device), case .scram(let credential) = admission.proof,
              credential.mechanism == mechanism.withoutChannelBinding,
              answers(admission, clientID: request.clientID, username: request.username)
        else { return nil }
        guard let serverFirst = try? server.respond(to: SCRAMAccount(credential: credential)) else { return nil }
        // A START replaces the exchange before it. Not kept (a full table, or the pool's
        // supervisor restarting): the usual way answers.
        exchanges.remove(key)
        guard (try? exchanges.insert(.pending(server, token: .random(in: .min ... .max)), for: key,
                                     lifetime: SCRAMServer.defaultTimeout)) != nil
        else { return nil }
        let method = AuthMethod(mechanism)
        // Taken only for a START answered here, so none pays it twice.
        guard context.admitsAttempt(from: request.address) else {
            exchanges.remove(key)
            return .deny(.rateLimited(), method: method)
        }
        return .proceed(serverFirst, method: method)
    }

    /// The allow for a pending exchange whose proof verifies against the credential of its
    /// device's admission; `nil` for anything else, the exchange left pending for a worker.
    private func finish(_ request: ExtAuthRequest, key: SCRAMExchangeKey,
                        exchanges: SupervisorTable<SCRAMExchangeKey, SCRAMExchange>, broker: BrokerLink) -> AuthOutcome? {
        let session = SessionDirectory.key(request.connection, request.generation, on: broker)
        guard case .pending(var server, let token)? = exchanges.lookup(key), !server.isExpired(at: .now),
              let credential = server.knownCredential, let username = server.claimedUsername,
              let device = try? DeviceID(username), let admission = context.admissions.admission(of: device),
              admission.proof == .scram(credential), answers(admission, clientID: request.clientID, username: request.username),
              // The CONTINUE of a re-authentication: the usual way checks it is the same device.
              context.sessions.session(session) == nil,
              // Verified on a copy: a refusal leaves the exchange as it was, for the usual way.
              case .success(let serverFinal)? = try? server.receiveClientFinal(request.data)
        else { return nil }
        var outcome = admission.outcome
        outcome.decision.data = serverFinal
        outcome.method = AuthMethod(server.mechanism)
        guard enterAtOnce(outcome, of: admission, .enhanced(request), broker) else { return nil }
        // Finished only now that the allow stands: until then a worker finishes it, from the store.
        var finished = false
        _ = exchanges.update(key, lifetime: SCRAMExchange.finishedLifetime) { current in
            guard case .pending(_, token) = current else { return current }
            finished = true
            return .finished(clientFinal: request.data, outcome: outcome)
        }
        guard finished else {
            context.sessions.closed(session)
            return nil
        }
        return outcome
    }
}
