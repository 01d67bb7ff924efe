import CastellanAuth
import CastellanBridge
import Supervision

/// Decides username/password connects: policies `password`, `password+totp` and `totp`.
///
/// Holds a cache of verified passwords; the pool routes a device's connects to the same worker
/// so its cache is the one that is warm. Key derivations — a password not in the cache, and
/// the same work for an unknown user, a refused device or a malformed request, so that timing
/// does not tell them apart — run on ``ColdCheckPool``, never on the decision thread; when that
/// pool is full the attempt is refused at once and not counted (nothing was checked).
struct PasswordAuthWorker: WorkerBehavior {
    let context: ServiceContext
    var cache: VerifiedPasswordCache

    init(context: ServiceContext) throws {
        self.context = context
        cache = try VerifiedPasswordCache(entropy: context.entropy)
    }

    mutating func handle(_ request: BasicAuthRequest) async throws -> AuthOutcome {
        let password = request.password ?? []
        guard let username = request.username, let name = String(validating: username, as: UTF8.self),
              let identity = try? DeviceID(name)
        else {
            await spendColdCheck(password)
            return .deny(.badCredentials("no username, or not a device id"), method: "password")
        }
        let gate = DeviceGate(context: context, address: request.address)
        let device: DeviceGate.Candidate
        switch try await gate.device(identity, allowing: [.password, .passwordTOTP, .totp], method: "password") {
        case .refused(let refusal):
            await spendColdCheck(password)
            return refusal
        case .ready(let candidate):
            device = candidate
        }
        let method = device.policy.name
        switch try await verify(password, device: device, gate: gate) {
        case .passed:
            return try await gate.admit(device, clientID: request.clientID, username: request.username, method: method)
        case .failed(let refusal):
            try await gate.failed(device)
            return .deny(refusal, identity: identity, method: method)
        case .busy:
            return .deny(.unavailable("password checks busy"), identity: identity, method: method)
        }
    }

    /// What checking the password field came to.
    private enum Verdict {
        case passed
        /// Wrong: counts towards the source's lockout.
        case failed(DenialReason)
        /// Not checked (the cold pool was full): refused, not counted.
        case busy
    }

    /// Whether the password field holds what the device's policy asks for. A TOTP step is
    /// claimed only after the password part verified, so guessing passwords cannot burn the
    /// device's codes.
    private mutating func verify(_ field: [UInt8], device: DeviceGate.Candidate, gate: DeviceGate) async throws -> Verdict {
        switch device.policy {
        case .totp:
            guard let code = String(validating: field, as: UTF8.self) else { return .failed(.badCredentials()) }
            return try await gate.checkTOTP(code, device: device).map(Verdict.failed) ?? .passed
        case .passwordTOTP:
            guard let enrolment = device.profile.totp, let split = PasswordWithTOTP(field: field, digits: enrolment.digits)
            else { return .failed(.badCredentials()) }
            let verdict = await checkPassword(split.password, device: device)
            guard case .passed = verdict else { return verdict }
            return try await gate.checkTOTP(split.code, device: device).map(Verdict.failed) ?? .passed
        default:
            return await checkPassword(field, device: device)
        }
    }

    /// From the cache when it holds this password, else PBKDF2 on the cold pool.
    private mutating func checkPassword(_ password: [UInt8], device: DeviceGate.Candidate) async -> Verdict {
        guard let credential = device.profile.scram else {
            await spendColdCheck(password)
            return .failed(.badCredentials())
        }
        let identity = device.id.rawValue
        if cache.contains(identity: identity, password: password, credential: credential, now: .now) { return .passed }
        guard let verified = await context.coldChecks.run({ PasswordVerifier.verify(password: password, against: credential) })
        else { return .busy }
        guard verified else { return .failed(.badCredentials()) }
        cache.remember(identity: identity, password: password, credential: credential, now: .now)
        return .passed
    }

    /// The work of a cold check, for a request that will be refused anyway: on the cold pool,
    /// or nothing when it is full (a known device's cold check is refused at once then too).
    private func spendColdCheck(_ password: [UInt8]) async {
        _ = await context.coldChecks.run { PasswordVerifier.verifyUnknownUser(password: password) }
    }
}
