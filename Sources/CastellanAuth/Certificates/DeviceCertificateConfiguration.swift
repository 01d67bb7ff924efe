import X509

/// Where a device's identity may come from in its certificate.
///
/// A struct over a private enum so more sources can be added without breaking callers.
public struct CertificateIdentitySource: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable { case uriSAN, uriSANOrCommonName }
    private let kind: Kind

    /// Only the single URI SAN `urn:castellan:device:<id>` (the default).
    public static let uriSAN = CertificateIdentitySource(kind: .uriSAN)
    /// The URI SAN; when the certificate has no URI SAN at all, the subject's single CN.
    public static let uriSANOrCommonName = CertificateIdentitySource(kind: .uriSANOrCommonName)

    var allowsCommonName: Bool { kind == .uriSANOrCommonName }

    public var description: String { kind == .uriSAN ? "uri-san" : "uri-san-or-cn" }
}

/// How client certificates are verified: the device CA and the identity rules.
public struct DeviceCertificateConfiguration: Sendable {
    /// The device CA certificate(s). Only chains ending at one of these are trusted; the
    /// system trust store is never consulted.
    public var trustRoots: [Certificate]
    /// Intermediate CA certificates that may sit between a leaf and a root.
    public var intermediates: [Certificate]
    /// Where the identity comes from.
    public var identitySource: CertificateIdentitySource
    /// Entries in the verification cache; 0 disables caching.
    public var cacheCapacity: Int
    /// The largest DER accepted, in bytes; bigger input is refused before parsing.
    public var maxCertificateSize: Int

    /// The URI SAN prefix a device identity follows.
    public static let uriPrefix = "urn:castellan:device:"

    /// A configuration trusting `trustRoots`, with the given options.
    public init(
        trustRoots: [Certificate],
        intermediates: [Certificate] = [],
        identitySource: CertificateIdentitySource = .uriSAN,
        cacheCapacity: Int = 10_000,
        maxCertificateSize: Int = 16_384
    ) {
        self.trustRoots = trustRoots
        self.intermediates = intermediates
        self.identitySource = identitySource
        self.cacheCapacity = cacheCapacity
        self.maxCertificateSize = maxCertificateSize
    }
}
