extension TOTP {
    /// The computation behind `castellan totp code`: the code for a base32 secret at `unixTime`.
    ///
    /// Operators use it to check a device's clock and tests use it for the RFC vectors, so it
    /// takes the key-uri spellings: base32 with or without padding in either case, algorithm
    /// `SHA1`/`SHA256`/`SHA512` in any case. The 160-bit minimum still applies (the RFC seeds
    /// meet it). Throws ``OTPError`` naming the bad input; the message never shows the secret.
    public static func code(base32Secret: String, algorithm: String = "SHA1", digits: Int = 6, period: Int = 30, at unixTime: Int64) throws(OTPError) -> String {
        let totp = try TOTP(
            secret: TOTPSecret(base32: base32Secret),
            algorithm: OTPAlgorithm(parsing: algorithm),
            digits: digits,
            period: period
        )
        return try totp.code(at: unixTime)
    }
}
