/// Checks a plaintext password from MQTT basic auth against a stored SCRAM credential.
///
/// One credential serves both paths: SaltedPassword = PBKDF2(password, salt, i), then
/// ClientKey = HMAC(SaltedPassword, "Client Key"), and H(ClientKey) must equal StoredKey
/// (compared in constant time). The password rules are SCRAM's (``SCRAMCredential``):
/// valid UTF-8, 1 to 1024 bytes, no control characters, no normalisation — anything else
/// simply does not verify. This costs a full PBKDF2 run; ``VerifiedPasswordCache`` spares
/// repeat connects.
public enum PasswordVerifier {
    /// `true` when `password` is the one `credential` was derived from.
    ///
    /// A SHA-1 credential verifies only with `allowLegacySHA1`, like a SHA-1 SCRAM exchange.
    public static func verify(
        password: [UInt8], against credential: SCRAMCredential, allowLegacySHA1: Bool = false
    ) -> Bool {
        let hash = credential.mechanism.hashFunction
        guard !hash.isLegacy || allowLegacySHA1,
              let prepared = try? SCRAMPassword.prepare(password),
              let salted = try? hash.saltedPassword(prepared, salt: credential.salt, iterations: credential.iterations)
        else { return false }
        let keys = SCRAMKeys(saltedPassword: salted, hash: hash)
        return ConstantTime.equal(keys.storedKey, credential.storedKey)
    }

    /// Spends the same PBKDF2 work as a real check, then returns `false`: call it when the
    /// user is unknown, so the response time does not tell unknown users from wrong passwords.
    ///
    /// `iterations` should be the count real credentials use (4096 by default).
    public static func verifyUnknownUser(
        password: [UInt8], iterations: Int = SCRAMCredential.defaultIterations
    ) -> Bool {
        verify(password: password, against: decoy(iterations: iterations))
    }

    /// A credential shaped like Castellan's own (SCRAM-SHA-256, a 16-byte salt, `iterations`
    /// clamped to the allowed range) that no password verifies against: its StoredKey is all
    /// zeros, and a password whose H(ClientKey) is zero would be a SHA-256 preimage. Checking a
    /// password against it is a real check, step for step — run it through the very code a
    /// real check runs (``verify(password:against:allowLegacySHA1:)``), so not even the machine
    /// code differs.
    public static func decoy(iterations: Int = SCRAMCredential.defaultIterations) -> SCRAMCredential {
        let rounds = min(max(iterations, SCRAMCredential.minimumIterations), SCRAMCredential.maximumIterations)
        let zeros = [UInt8](repeating: 0, count: SCRAMMechanism.sha256.hashFunction.digestByteCount)
        // Safe: every field is within what the initialiser checks (rounds clamped above).
        return try! SCRAMCredential(
            mechanism: .sha256, salt: [UInt8](repeating: 0, count: SCRAMCredential.minimumGeneratedSaltByteCount),
            iterations: rounds, storedKey: zeros, serverKey: zeros)
    }

    /// `true` when `password` is the one `credential` was derived from.
    public static func verify(
        password: String, against credential: SCRAMCredential, allowLegacySHA1: Bool = false
    ) -> Bool {
        verify(password: Array(password.utf8), against: credential, allowLegacySHA1: allowLegacySHA1)
    }
}
