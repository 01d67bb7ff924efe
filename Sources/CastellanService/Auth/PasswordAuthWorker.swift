import CastellanAuth
import CastellanBridge
import Supervision

/// Decides username/password connects: policies `password`, `password+totp` and `totp`.
///
/// Holds a cache of verified passwords (PBKDF2 is the cost of a cold connect); the pool
/// routes a device's connects to the same worker so its cache is the one that is warm.
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
            _ = PasswordVerifier.verifyUnknownUser(password: password)
            return .deny(.badCredentials("no username, or not a device id"), method: .password)
        }
        let gate = context.deviceGate()
        let device: DeviceGate.Candidate
        switch try await gate.device(identity, allowing: [.password, .passwordTOTP, .totp], method: .password) {
        case .refused(let refusal):
            // Same work as a real check, so timing does not tell unknown devices apart.
            _ = PasswordVerifier.verifyUnknownUser(password: password)
            return refusal
        case .ready(let candidate):
            device = candidate
        }
        let method = AuthMethod(passwordPolicy: device.policy)
        if let refusal = try await verify(password, device: device, gate: gate) {
            try await gate.failed(identity)
            return .deny(refusal, identity: identity, method: method)
        }
        return try await gate.admit(device, clientID: request.clientID, username: request.username, method: method)
    }

    /// The refusal, or `nil` when the password field holds what the device's policy asks for.
    /// A TOTP step is claimed only after the password part verified, so guessing passwords
    /// cannot burn the device's codes.
    private mutating func verify(_ field: [UInt8], device: DeviceGate.Candidate, gate: DeviceGate) async throws -> DenialReason? {
        switch device.policy {
        case .totp:
            guard let code = String(validating: field, as: UTF8.self) else { return .badCredentials() }
            return try await gate.checkTOTP(code, device: device)
        case .passwordTOTP:
            guard let enrolment = device.profile.totp, let split = PasswordWithTOTP(field: field, digits: enrolment.digits)
            else { return .badCredentials() }
            guard checkPassword(split.password, device: device) else { return .badCredentials() }
            return try await gate.checkTOTP(split.code, device: device)
        default:
            return checkPassword(field, device: device) ? nil : .badCredentials()
        }
    }

    private mutating func checkPassword(_ password: [UInt8], device: DeviceGate.Candidate) -> Bool {
        guard let credential = device.profile.scram else {
            _ = PasswordVerifier.verifyUnknownUser(password: password)
            return false
        }
        return cache.verify(identity: device.id.rawValue, password: password, credential: credential, now: .now)
    }
}
