import CastellanCA
import CastellanStore
import X509

/// A certificate just issued and recorded: what `POST /v1/devices/{id}/certificates` answers
/// and what `castellan cert issue` writes.
///
/// For a generated key, ``privateKey`` is the device's key in PEM, handed over this once and
/// kept nowhere; ``description`` and the mirror leave it out, so logging or dumping the value never shows it.
public struct CertificateIssue: Sendable, Encodable, CustomStringConvertible, CustomReflectable {
    /// The device the certificate names.
    public let device: String
    /// The serial number, lower-case hex.
    public let serial: String
    /// SHA-256 of the DER certificate, lower-case hex.
    public let fingerprint: String
    /// Start and end of validity, Unix seconds.
    public let notBefore: Int64
    public let notAfter: Int64
    /// The certificate, PEM.
    public let certificate: String
    /// The generated private key, PEM; `nil` for a certificate issued from a CSR.
    public let privateKey: String?
    /// What the CA returned, for writing files.
    public let issued: IssuedCertificate

    init(issued: IssuedCertificate, record: CertificateRecord) throws {
        device = record.device.rawValue
        serial = record.serial
        fingerprint = record.fingerprint.description
        notBefore = record.notBefore
        notAfter = record.notAfter
        certificate = try issued.certificate.serializeAsPEM().pemString
        privateKey = try issued.privateKey?.serializeAsPEM().pemString
        self.issued = issued
    }

    private enum CodingKeys: String, CodingKey {
        case device, serial, fingerprint, notBefore, notAfter, certificate, privateKey
    }

    /// What `dump` and debuggers show: no key.
    public var customMirror: Mirror {
        Mirror(self, children: ["device": device, "serial": serial, "fingerprint": fingerprint], displayStyle: .struct)
    }

    public var description: String {
        "certificate \(serial) for \(device)\(privateKey == nil ? "" : " (with a generated key, not shown)")"
    }
}
