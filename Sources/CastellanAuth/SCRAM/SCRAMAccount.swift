/// What a server's lookup returns for a known user: credentials and whether TOTP is required.
///
/// A user may hold one credential per hash (SHA-256 and SHA-512); the exchange uses the one
/// matching its mechanism. When none matches, the exchange behaves exactly as for an unknown
/// user (fake salt, then `invalid-proof`), so the mismatch cannot be told apart from a typo.
public struct SCRAMAccount: Sendable {
    /// The user's SCRAM credentials, at most one per hash function is useful.
    public var credentials: [SCRAMCredential]
    /// The policy is `scram+totp`: the client must send `t=` and the TOTP check must accept it.
    public var requiresTOTP: Bool

    /// An account with one credential.
    public init(credential: SCRAMCredential, requiresTOTP: Bool = false) {
        self.init(credentials: [credential], requiresTOTP: requiresTOTP)
    }

    /// An account with several credentials (one per hash function).
    public init(credentials: [SCRAMCredential], requiresTOTP: Bool = false) {
        self.credentials = credentials
        self.requiresTOTP = requiresTOTP
    }

    func credential(for mechanism: SCRAMMechanism) -> SCRAMCredential? {
        credentials.first { $0.mechanism.hashFunction == mechanism.hashFunction }
    }
}
