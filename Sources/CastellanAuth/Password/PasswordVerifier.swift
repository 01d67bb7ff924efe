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
        let rounds = min(max(iterations, SCRAMCredential.minimumIterations), SCRAMCredential.maximumIterations)
        let input = (try? SCRAMPassword.prepare(password)) ?? Array("unknown".utf8)
        let salted = try? SCRAMHashFunction.sha256.saltedPassword(
            input, salt: Array(repeating: 0, count: SCRAMCredential.minimumGeneratedSaltByteCount), iterations: rounds)
        if let salted { _ = ConstantTime.equal(SCRAMKeys(saltedPassword: salted, hash: .sha256).storedKey, salted) }
        return false
    }

    /// `true` when `password` is the one `credential` was derived from.
    public static func verify(
        password: String, against credential: SCRAMCredential, allowLegacySHA1: Bool = false
    ) -> Bool {
        verify(password: Array(password.utf8), against: credential, allowLegacySHA1: allowLegacySHA1)
    }
}
