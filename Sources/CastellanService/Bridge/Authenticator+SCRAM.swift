import CastellanAuth
import CastellanBridge
import Supervision

/// The fast lane for SCRAM: the CONTINUE of a clean device's exchange answered as its AUTH frame
/// arrives, on the link's thread, with no task, worker or store read, when its proof verifies
/// against the credential of the device's remembered admission (``AdmissionCache/Proof/scram(_:)``:
/// the credential its last allow was proven against).
///
/// Why: a SCRAM connect is two round trips to the service, and the usual way cost ~340–360 µs of
/// the service's CPU for them (two store reads, two hops to a worker and back, the frame loop's
/// async channel), several times a password connect's (Benchmarks/README.md, "SCRAM in the fast lane").
///
/// The START always goes the usual way. Answered here it was faster still, but before any proof:
/// how soon server-first came back would have told a stranger which device ids had connected
/// lately, where the usual way answers a known and an unknown name alike (a store read, then real
/// or fake parameters). Like the password's and the certificate's, this lane answers only what
/// carries its proof.
///
/// The exchange is the SCRAM pool's (``SCRAMAuthWorker``), in its own table: the CONTINUE is
/// verified on a copy, and the exchange marked finished only once the allow stands, so anything
/// else — a wrong proof, a TOTP code, a re-authentication, an expired exchange, a device with no
/// admission or with another credential, a change the notifier has not applied — goes the usual
/// way, which counts failures and names the refusal, and finds the exchange as it was.
extension Authenticator {
    func decideAtOnce(_ enhanced: ExtAuthRequest, from broker: BrokerLink) -> BridgeDecision? {
        let started = ContinuousClock.now
        guard enhanced.step == .continue, let exchanges = context.pools.scramExchanges,
              let outcome = finish(enhanced, key: SCRAMExchangeKey(broker: broker.session, request: enhanced), exchanges: exchanges, broker: broker)
        else { return nil }
        record(outcome, .enhanced(enhanced), broker, started: started, fastLane: true)
        return outcome.decision
    }

    /// The allow for a pending exchange whose proof verifies against the credential of its
    /// device's admission; `nil` for anything else, the exchange left pending for a worker.
    private func finish(_ request: ExtAuthRequest, key: SCRAMExchangeKey,
                        exchanges: SupervisorTable<SCRAMExchangeKey, SCRAMExchange>, broker: BrokerLink) -> AuthOutcome? {
        let session = SessionDirectory.key(request.connection, request.generation, on: broker)
        guard case .pending(var server, let token)? = exchanges.lookup(key), !server.isExpired(at: .now) else { return nil }
        let credential = server.knownCredential
        // Verified on a copy, so a refusal leaves the exchange as it was, for the usual way; and
        // first, before the device's admission is looked at, so a wrong proof costs the same here
        // whether the device is unknown, known, or connected a moment ago.
        guard case .success(let serverFinal)? = try? server.receiveClientFinal(request.data),
              let credential, let username = server.authenticatedUsername,
              let device = try? DeviceID(username), let admission = context.admissions.admission(of: device),
              admission.proof == .scram(credential), answers(admission, clientID: request.clientID, username: request.username),
              // The CONTINUE of a re-authentication: the usual way checks it is the same device.
              context.sessions.session(session) == nil
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
