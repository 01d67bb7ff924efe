import CastellanAuth
import CastellanStore

extension PasswordCheck {
    /// Who the change log names for an upgrade: the service itself, not an operator.
    static let upgradeActor = "system:credential-upgrade"

    /// The password check of a device that still holds an imported hash: verified on the cold
    /// pool as the original tool verifies it, then — as its own step, once the password (and a
    /// TOTP code, if the policy asks for one) passed — replaced with SCRAM keys derived from the
    /// same password, and the device admitted.
    ///
    /// The rest is ``finish(_:)``'s: a failure counts towards lockout through ``refuse(_:)``, a
    /// full cold pool refuses at once, the TOTP code (if the policy asks for one) is checked
    /// after the password.
    func finishLegacy(_ legacy: LegacyPasswordHash, _ context: ServiceContext) async throws -> AuthOutcome {
        let password = password, entropy = context.entropy
        guard let verification = await context.coldChecks.run({ legacy.verifyAndUpgrade(password: password, entropy: entropy) })
        else { return .deny(.unavailable("password checks busy"), identity: device.id, method: method) }
        guard case .verified(let upgrade) = verification else { return try await refuse(.badCredentials()) }
        if let code, let refusal = try await gate.checkTOTP(code, device: device) { return try await refuse(refusal) }
        var admitted = device
        // The upgrade, before the admission so the session is stamped with the new keys (a later
        // re-check compares stamps, and must not take the upgrade for a password change). A
        // failed write leaves the imported hash in place: this connect stands, and the next
        // successful one tries again. The swap is conditional, so a concurrent upgrade or
        // `device password` wins over this one.
        if let upgrade, (try? await ChangeActor.$current.withValue(Self.upgradeActor, operation: {
            try await context.store.upgradeLegacyCredential(legacy, to: upgrade, device: device.id)
        })) == true {
            admitted = device.upgraded(to: upgrade)
            context.passwordCache.withLock {
                $0.remember(identity: device.id.rawValue, password: password, credential: upgrade, now: .now)
            }
        }
        return try await gate.admit(admitted, clientID: clientID, username: username, method: method)
    }
}

extension DeviceGate.Candidate {
    /// The same candidate as it is after its imported hash was replaced by `credential`.
    func upgraded(to credential: SCRAMCredential) -> Self {
        let old = profile
        return Self(
            profile: ConnectProfile(device: old.device, scram: credential, totp: old.totp, rules: old.rules, lockout: old.lockout),
            sourceFailures: sourceFailures, readAt: readAt)
    }
}
