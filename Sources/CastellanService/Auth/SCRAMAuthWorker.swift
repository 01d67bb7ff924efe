import CastellanAuth
import CastellanBridge
import Metrics
import Supervision
import Synchronization

/// One step of an enhanced-auth exchange, with the broker it came through.
struct SCRAMStep: Sendable {
    let broker: UInt64
    let request: ExtAuthRequest

    var exchange: SCRAMExchangeKey { SCRAMExchangeKey(broker: broker, request: request) }
}

/// A pending exchange belongs to one client connection of one broker session: the plugin's
/// handle and its generation, since mosquitto may hand a closed connection's handle to the next.
struct SCRAMExchangeKey: Hashable, Sendable {
    let broker: UInt64
    let connection: UInt64
    let generation: UInt64

    /// Routes every step of an exchange to the same worker (``WorkerPool/submit(_:affinity:)``).
    var affinity: UInt64 { broker &* 0x9E37_79B9_7F4A_7C15 ^ connection }
}

extension SCRAMExchangeKey {
    init(broker: UInt64, request: ExtAuthRequest) {
        self.init(broker: broker, connection: request.connection, generation: request.generation)
    }
}

/// One connection's exchange as the pool's table holds it.
enum SCRAMExchange: Sendable {
    /// Between START and CONTINUE: the server side, and a token telling this START from a later one.
    case pending(SCRAMServer, token: UInt64)
    /// The CONTINUE was answered: its client-final message and the answer, kept for a retry of
    /// that very step (for ``finishedLifetime``).
    case finished(clientFinal: [UInt8], outcome: AuthOutcome)

    /// How long a finished exchange is kept: for the pool's retry of its CONTINUE, which comes
    /// at once (the plugin stopped waiting long before). An exchange also goes when its
    /// connection closes (``Authenticator/connectionClosed(_:generation:on:)``); but kept as long
    /// as a pending one (30 s), those of connections that stay would fill the table
    /// (``SCRAMAuthWorker/maxPending``) above ~330 SCRAM connects/s — a fleet reconnecting after
    /// a broker restart — and it would refuse every new START.
    static let finishedLifetime: Duration = .seconds(5)
}

/// Runs SCRAM-SHA-256 / SCRAM-SHA-512 exchanges, and their `-PLUS` forms on the TLS password
/// listener (``ChannelBindingListener``) (policies `scram` and `scram+totp`).
///
/// Exchanges live in a table owned by the pool's supervisor (``SupervisorTable``), not in the
/// worker: when a worker dies between START and CONTINUE, whichever worker gets the CONTINUE —
/// its replacement included — finishes the exchange. Both steps are idempotent, so the pool
/// retries them on another worker when theirs dies mid-step: a START replaces the exchange and
/// answers anew; a CONTINUE reads the exchange (it does not take it), and its answer replaces
/// the exchange, so the same client-final again gets the same answer and any other is refused
/// (an exchange still finishes once). When the pool's supervisor itself restarts (the
/// `/castellan/auth` subtree escalated) the table goes with it, and the CONTINUE is refused —
/// it fails closed — and counted in `castellan_scram_exchanges_lost_total` (as is one that expired).
/// The fast lane (Authenticator+SCRAM.swift) finishes exchanges in the same table, so
/// a CONTINUE it does not answer finds the exchange here as it was.
struct SCRAMAuthWorker: WorkerBehavior {
    let context: ServiceContext
    let exchanges: SupervisorTable<SCRAMExchangeKey, SCRAMExchange>
    /// At most this many pending exchanges (bounded memory); a START beyond is refused.
    static let maxPending = 10_000

    init(context: ServiceContext, child: ChildContext) throws {
        self.context = context
        exchanges = try child.table("scram_exchanges", capacity: Self.maxPending)
        context.pools.install(exchanges)
    }

    mutating func handle(_ step: SCRAMStep) async throws -> AuthOutcome {
        let request = step.request
        switch request.step {
        case .start, .reauthenticate:
            return try await start(step)
        case .continue:
            switch exchanges.lookup(step.exchange) {
            case .pending(var server, let token)?:
                let outcome = try await finish(&server, request)
                // The answer replaces the exchange — unless a newer START replaced it meanwhile.
                exchanges.update(step.exchange, lifetime: SCRAMExchange.finishedLifetime) { current in
                    guard case .pending(_, token) = current else { return current }
                    return .finished(clientFinal: request.data, outcome: outcome)
                }
                return outcome
            case .finished(let clientFinal, let outcome)?:
                // This step again: the pool's retry after the worker that answered it died.
                // Constant time: the message carries the client's proof.
                guard ConstantTime.equal(clientFinal, request.data) else {
                    return .deny(.malformed("SCRAM exchange already finished"), method: AuthMethod(enhancedAuthMethod: request.method))
                }
                return outcome
            case nil:
                Counter(label: "castellan_scram_exchanges_lost_total").increment()
                return .deny(.unavailable("no exchange in progress (it expired, or its pool restarted)"), method: AuthMethod(enhancedAuthMethod: request.method))
            }
        }
    }

    private func start(_ step: SCRAMStep) async throws -> AuthOutcome {
        let request = step.request
        exchanges.remove(step.exchange)
        guard let mechanism = SCRAMMechanism(name: request.method) else {
            return .deny(.malformed("unsupported authentication method"), method: AuthMethod(enhancedAuthMethod: request.method))
        }
        let settings = context.settings
        // Bound to the broker's certificate on its TLS password listener only; elsewhere (the
        // plain listener, mosquitto 2.0's unknown port 0) -PLUS is refused and a `y` flag is fine.
        let binding = settings.channelBinding?.binding(forListenerPort: request.listenerPort)
        guard binding != nil || !mechanism.usesChannelBinding else {
            return .deny(.notPermitted("\(mechanism) is offered on the TLS password listener only"), method: AuthMethod(mechanism))
        }
        let store = context.store
        do {
            var server = try SCRAMServer(mechanism: mechanism, configuration: settings.scram, channelBinding: binding,
                                         createdAt: .now, entropy: context.entropy)
            let serverFirst = try await server.handleClientFirst(request.data) { username in
                // A device's real parameters whatever its state — disabled, locked, another
                // policy: its salt never changes with its state, so the salt tells nothing; the
                // refusal comes after the proof (``finish``). No such credential: the fake,
                // stable parameters of an unknown user.
                guard let identity = try? DeviceID(username), let profile = try await store.connectProfile(device: identity),
                      let credential = profile.scram, credential.mechanism == mechanism.withoutChannelBinding
                else { return nil }
                return SCRAMAccount(credential: credential, requiresTOTP: profile.device.policy == .scramTOTP)
            }
            do {
                try exchanges.insert(.pending(server, token: UInt64.random(in: .min ... .max)), for: step.exchange,
                                     lifetime: SCRAMServer.defaultTimeout)
            } catch {
                return .deny(.unavailable("SCRAM exchange not kept: \(error)"), method: AuthMethod(mechanism))
            }
            return .proceed(serverFirst, method: AuthMethod(mechanism))
        } catch let error as SCRAMError {
            return .deny(.malformed("SCRAM client-first refused: \(error)"), method: AuthMethod(mechanism))
        }
    }

    private func finish(_ server: inout SCRAMServer, _ request: ExtAuthRequest) async throws -> AuthOutcome {
        let method = AuthMethod(server.mechanism)
        guard !server.isExpired(at: .now) else { return .deny(.badCredentials("SCRAM exchange timed out"), method: method) }
        let gate = DeviceGate(context: context, address: request.address)
        let claimed = server.claimedUsername.flatMap { try? DeviceID($0) }
        let credential = server.knownCredential
        // One read of the device for this step, the TOTP check and the admission alike — made
        // now, not at START, so a device disabled while the exchange was pending is refused.
        let lookup: DeviceGate.Lookup? = if let claimed {
            try await gate.device(claimed, allowing: [.scram, .scramTOTP], method: method)
        } else {
            nil
        }
        let serverFinal: [UInt8]
        // Why a TOTP code was refused, so the denial names it as the password path does
        // (`totp_replay`, …) rather than SCRAM's generic "TOTP code refused".
        let totpRefusal = Mutex<DenialReason?>(nil)
        do {
            serverFinal = try await server.handleClientFinal(request.data) { _, code in
                guard case .ready(let device)? = lookup, device.policy == .scramTOTP else { return false }
                let refusal = try await gate.checkTOTP(code, device: device)
                totpRefusal.withLock { $0 = refusal }
                return refusal == nil
            }
        } catch let error as SCRAMError {
            switch lookup {
            case .ready(let device)?:
                // A wrong proof (or TOTP code) of a device that may use SCRAM counts towards
                // this source's lockout.
                gate.failed(device)
                return .deny(totpRefusal.withLock { $0 } ?? Self.refusal(error), identity: claimed, method: method)
            case .refused(let refusal)?:
                // Unknown, disabled, another policy, or this source locked out: not counted, and
                // refused whatever the proof was.
                return refusal
            case nil:
                return .deny(.notADeviceID(), method: method)
            }
        }
        guard let name = server.authenticatedUsername, let identity = try? DeviceID(name), identity == claimed, let lookup else {
            return .deny(.badCredentials("SCRAM exchange did not complete"), method: method)
        }
        switch lookup {
        case .refused(let refusal):
            return refusal
        case .ready(let device):
            // Proven against the credential read at START: one changed since (a new password)
            // does not let the old one in.
            guard let credential, device.profile.scram == credential else {
                return .deny(.badCredentials("the SCRAM credential changed during the exchange"), identity: identity, method: method)
            }
            let outcome = try await gate.admit(device, clientID: request.clientID, username: request.username,
                                               data: serverFinal, method: method)
            // A clean SCRAM-only device (a TOTP code is good once) is remembered for the fast lane.
            if device.policy == .scram, let clientID = request.clientID {
                gate.remember(outcome, of: device, proof: .scram(credential), clientID: clientID, username: request.username)
            }
            return outcome
        }
    }

    /// The refusal for a failed client-final, named as the password path names the same
    /// refusal (a wrong proof is a wrong password); SCRAM's own faults keep SCRAM's code.
    private static func refusal(_ error: SCRAMError) -> DenialReason {
        switch error.code {
        case .invalidProof: .wrongPassword()
        case .totpRequired: .totpMissing()
        default: .badCredentials(error.description)
        }
    }
}
