import CastellanAuth

/// A device certificate Castellan issued or registered, and its revocation state.
public struct CertificateRecord: Sendable, Hashable {
    /// The serial number in lower-case hex without separators, as the CRL and the CLI show it.
    public let serial: String
    /// The device the certificate names.
    public let device: DeviceID
    /// SHA-256 of the DER encoding.
    public let fingerprint: CertificateFingerprint
    /// Start of validity, Unix seconds.
    public let notBefore: Int64
    /// End of validity, Unix seconds.
    public let notAfter: Int64
    /// When it was revoked, Unix seconds; `nil` while valid.
    public var revokedAt: Int64?
    /// Why it was revoked (an RFC 5280 reason name such as `keyCompromise`); `nil` while valid.
    public var revocationReason: String?

    /// A record; `serial` is normalised to lower case.
    public init(
        serial: String, device: DeviceID, fingerprint: CertificateFingerprint, notBefore: Int64, notAfter: Int64,
        revokedAt: Int64? = nil, revocationReason: String? = nil
    ) {
        self.serial = serial.lowercased()
        self.device = device
        self.fingerprint = fingerprint
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
    }

    /// Whether it has been revoked.
    public var isRevoked: Bool { revokedAt != nil }
}
