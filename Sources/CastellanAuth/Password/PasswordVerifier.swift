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

    /// `true` when `password` is the one `credential` was derived from.
    public static func verify(
        password: String, against credential: SCRAMCredential, allowLegacySHA1: Bool = false
    ) -> Bool {
        verify(password: Array(password.utf8), against: credential, allowLegacySHA1: allowLegacySHA1)
    }
}
