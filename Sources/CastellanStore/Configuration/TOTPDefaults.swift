import CastellanAuth

/// The parameters `castellan totp enroll` uses when its options do not say otherwise.
public struct TOTPDefaults: Sendable, Hashable {
    /// The HMAC hash (`SHA1` is what most authenticator apps support).
    public var algorithm: OTPAlgorithm
    /// Code length, 6 or 8.
    public var digits: Int
    /// Seconds per code, 1...300.
    public var period: Int
    /// The issuer shown by authenticator apps.
    public var issuer: String

    /// SHA1, 6 digits, 30 s, issuer `Castellan`.
    public static let standard = TOTPDefaults(algorithm: .sha1, digits: 6, period: 30, issuer: "Castellan")

    /// Defaults as given (validated by the loader).
    public init(algorithm: OTPAlgorithm, digits: Int, period: Int, issuer: String) {
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
        self.issuer = issuer
    }
}
