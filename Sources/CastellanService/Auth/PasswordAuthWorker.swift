import CastellanAuth
import CastellanBridge
import Supervision

/// Decides username/password connects: policies `password`, `password+totp` and `totp`.
///
/// The worker does the cheap, repeatable part — the device read, the lockout gate, the
/// verified-password cache — and hands the rest back as a ``PasswordDecision`` to finish
/// outside the worker: a key derivation runs on ``ColdCheckPool`` (a worker serves one request
/// at a time, so a PBKDF2 run inside it would make the next request, a cached valid connect
/// say, wait behind junk), and the TOTP claim runs in the request's own task. The claim is the
/// one step that must not run twice: inside the worker, a kill after the claim and before the
/// reply would make the pool's retry find the code spent and refuse a valid device as a replay.
/// Outside it, a kill can only interrupt the repeatable part, which the retry runs again.
/// The cache is the service's (``ServiceContext/passwordCache``), shared by the workers.
struct PasswordAuthWorker: WorkerBehavior {
    let context: ServiceContext

    func handle(_ request: BasicAuthRequest) async throws -> PasswordDecision {
        let password = request.password ?? []
        guard let username = request.username, let name = String(validating: username, as: UTF8.self),
              let identity = try? DeviceID(name)
        else {
            return .refusedAfterColdWork(.deny(.notADeviceID(), method: .password), password: password)
        }
        let gate = DeviceGate(context: context, address: request.address)
        let device: DeviceGate.Candidate
        switch try await gate.device(identity, allowing: [.password, .passwordTOTP, .totp], method: .password) {
        case .refused(let refusal):
            // Unknown, disabled, another policy, or this source locked out: the same work as a
            // cold check, so the time tells none of them apart.
            return .refusedAfterColdWork(refusal, password: password)
        case .ready(let candidate):
            device = candidate
        }
        var check = PasswordCheck(gate: gate, device: device, password: password, code: nil, cached: false,
                                  clientID: request.clientID, username: request.username)
        switch device.policy {
        case .totp:
            // No password: the whole field is the code, checked here (no key derivation).
            guard let code = String(validating: password, as: UTF8.self) else { return .decided(try await check.refuse(.totpMissing())) }
            check.code = code
            check.cached = true
        case .passwordTOTP:
            guard let enrolment = device.profile.totp, let split = PasswordWithTOTP(field: password, digits: enrolment.digits)
            else { return .decided(try await check.refuse(.totpMissing())) }
            check.password = split.password
            check.code = split.code
        default:
            break
        }
        guard let credential = device.profile.scram else {
            if check.cached { return .unfinished(check) }
            // An imported hash (`castellan import`): verified on the cold pool like a password
            // not in the cache, never cached — the first success replaces it.
            if device.profile.legacy != nil { return .unfinished(check) }
            return .refusedAfterColdWork(try await check.refuse(.noPassword()), password: password)
        }
        check.cached = check.cached
            || context.passwordCache.withLock { $0.contains(identity: identity.rawValue, password: check.password, credential: credential, now: .now) }
        return .unfinished(check)
    }
}

/// What the password worker came to: a decision, or the part that needs a key derivation.
enum PasswordDecision: Sendable {
    case decided(AuthOutcome)
    /// Refused whatever happens; first spend the work of a cold check (or nothing when the cold
    /// pool is full, as a real cold check is then refused at once too).
    case refusedAfterColdWork(AuthOutcome, password: [UInt8])
    /// A device that may try: verify a password not in the cache on the cold pool, claim the
    /// TOTP code, admit — outside the worker (see ``PasswordAuthWorker``).
    case unfinished(PasswordCheck)

    /// The outcome, finishing on the cold pool what needs it (called outside the worker).
    func outcome(_ context: ServiceContext) async throws -> AuthOutcome {
        switch self {
        case .decided(let outcome):
            return outcome
        case .refusedAfterColdWork(let outcome, let password):
            _ = await context.coldChecks.verify(password, against: PasswordVerifier.decoy())
            return outcome
        case .unfinished(let check):
            return try await check.finish(context)
        }
    }
}

/// A password connect of a device that may try, from the password check on.
struct PasswordCheck: Sendable {
    let gate: DeviceGate
    let device: DeviceGate.Candidate
    /// The password part of the field (all of it, unless the policy adds a TOTP code).
    var password: [UInt8]
    /// The TOTP code to check after the password, if the policy asks for one.
    var code: String?
    /// Whether the password part is already known good (cached, or the policy has none).
    var cached: Bool
    let clientID: [UInt8]?
    let username: [UInt8]?

    var method: AuthMethod { AuthMethod(passwordPolicy: device.policy) }

    /// Verifies the password (on the cold pool unless cached), then the TOTP code — claimed only
    /// after the password verified, so guessing passwords cannot burn the device's codes — then
    /// admits. A failure counts towards the source's lockout; a full cold pool refuses at once
    /// and counts nothing (nothing was checked).
    func finish(_ context: ServiceContext) async throws -> AuthOutcome {
        if !cached, device.profile.scram == nil, let legacy = device.profile.legacy {
            return try await finishLegacy(legacy, context)
        }
        if !cached {
            guard let credential = device.profile.scram else { return try await refuse(.noPassword()) }
            let password = password
            guard let verified = await context.coldChecks.verify(password, against: credential)
            else { return .deny(.unavailable("password checks busy"), identity: device.id, method: method) }
            guard verified else { return try await refuse(.wrongPassword()) }
            context.passwordCache.withLock {
                $0.remember(identity: device.id.rawValue, password: password, credential: credential, now: .now)
            }
        }
        if let code, let refusal = try await gate.checkTOTP(code, device: device) { return try await refuse(refusal) }
        let outcome = try await gate.admit(device, clientID: clientID, username: username, method: method)
        rememberForFastLane(outcome)
        return outcome
    }

    /// Remembers an allow of a clean password-only device for the fast lane (``AdmissionCache``):
    /// no TOTP (a code is good once), no failure on record or noted from any source.
    private func rememberForFastLane(_ outcome: AuthOutcome) {
        guard outcome.result == .allow, device.policy == .password, code == nil, let credential = device.profile.scram,
              let clientID, let username
        else { return }
        gate.remember(outcome, of: device, proof: .password(credential), clientID: clientID, username: username)
    }

    /// Counts the failure and refuses.
    func refuse(_ reason: DenialReason) async throws -> AuthOutcome {
        gate.failed(device)
        return .deny(reason, identity: device.id, method: method)
    }
}
