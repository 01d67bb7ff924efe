extension LegacyPasswordHash {
    /// What a login with an imported hash came to.
    public enum Verification: Sendable {
        /// The password is not the one the hash was made from (or the hash cannot be verified).
        case refused
        /// The password verified. `upgrade` holds SCRAM keys derived from it to replace the
        /// hash with, or `nil` when SCRAM cannot hold this password (not UTF-8, control
        /// characters, over 1024 bytes): the hash then stays, and keeps verifying it.
        case verified(upgrade: SCRAMCredential?)
    }

    /// Verifies `password` as the original tool does and, on success, derives the device's own
    /// credential from it: SCRAM-SHA-256 with ``SCRAMCredential/defaultIterations`` and a fresh
    /// salt, as `castellan device password` sets it. Two key derivations at most: run it where
    /// cold checks run.
    ///
    /// A refusal also spends the work of ``PasswordVerifier/verifyUnknownUser(password:iterations:)``:
    /// mosquitto 2.0's 101 iterations alone would answer far sooner than a check of an unknown
    /// name, and the time would tell imported devices from unknown ones.
    public func verifyAndUpgrade(password: [UInt8], entropy: any EntropySource) -> Verification {
        guard verify(password: password) else {
            _ = PasswordVerifier.verifyUnknownUser(password: password)
            return .refused
        }
        let password = Array(password.prefix { $0 != 0 })
        guard let text = String(validating: password, as: UTF8.self) else { return .verified(upgrade: nil) }
        return .verified(upgrade: try? SCRAMCredential.generate(password: text, entropy: entropy))
    }
}
