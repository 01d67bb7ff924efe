import X509

/// Answers "is this certificate revoked?" — the store's revocation list in production.
///
/// Called on every connect, cache hit or not, so a revocation takes effect at the next
/// connect even before any cache invalidation arrives. A thrown error is an infrastructure
/// failure: ``DeviceCertificateVerifier/verify(derEncoded:at:)`` rethrows it and the caller
/// must refuse the connection (fail closed).
public protocol CertificateRevocationChecking: Sendable {
    /// `true` if the certificate with this serial number or fingerprint is revoked.
    func isRevoked(serialNumber: Certificate.SerialNumber, fingerprint: CertificateFingerprint) async throws -> Bool
}

/// A revocation check from a closure, for wiring and tests.
public struct RevocationCheck: CertificateRevocationChecking {
    private let body: @Sendable (Certificate.SerialNumber, CertificateFingerprint) async throws -> Bool

    /// Wraps `body`, which receives the serial number and the fingerprint.
    public init(_ body: @escaping @Sendable (Certificate.SerialNumber, CertificateFingerprint) async throws -> Bool) {
        self.body = body
    }

    /// Runs the closure.
    public func isRevoked(serialNumber: Certificate.SerialNumber, fingerprint: CertificateFingerprint) async throws -> Bool {
        try await body(serialNumber, fingerprint)
    }
}
