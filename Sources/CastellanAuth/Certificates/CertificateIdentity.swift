import Foundation
import X509

/// What a verified client certificate proves: who the device is, and which certificate said so.
public struct CertificateIdentity: Sendable, Hashable {
    /// The device identity from the URI SAN (or, if configured, the CN).
    public let deviceID: DeviceID
    /// SHA-256 of the DER, as stored with the certificate record.
    public let fingerprint: CertificateFingerprint
    /// The serial number, as the revocation list names it.
    public let serialNumber: Certificate.SerialNumber
    /// The leaf's notAfter; a session should not outlive it.
    public let notValidAfter: Date

    /// Builds an identity; the verifier is the only production caller.
    public init(
        deviceID: DeviceID, fingerprint: CertificateFingerprint,
        serialNumber: Certificate.SerialNumber, notValidAfter: Date
    ) {
        self.deviceID = deviceID
        self.fingerprint = fingerprint
        self.serialNumber = serialNumber
        self.notValidAfter = notValidAfter
    }
}

/// The outcome of verifying one client certificate: a value, never an error.
public enum CertificateDecision: Sendable, Hashable {
    /// The certificate chains to the device CA, meets every rule and is not revoked.
    case verified(CertificateIdentity)
    /// Refused; `code` is one of ``CertificateDenialCode``.
    case denied(DenialReason)

    /// The identity when verified, else `nil`.
    public var identity: CertificateIdentity? {
        if case .verified(let identity) = self { return identity }
        return nil
    }

    /// The denial code when refused, else `nil`.
    public var denialCode: CertificateDenialCode? {
        if case .denied(let reason) = self { return CertificateDenialCode(rawValue: reason.code) }
        return nil
    }
}
