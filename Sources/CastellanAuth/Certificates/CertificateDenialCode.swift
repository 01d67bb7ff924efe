/// The stable codes a certificate refusal carries in ``DenialReason/code``.
///
/// Metrics and the audit log key on these strings, so they never change once released.
public enum CertificateDenialCode: String, Sendable, Hashable, CaseIterable {
    /// No chain from the leaf to a configured device CA with valid signatures
    /// (other CA, a fake root with the same name, an unhandled critical extension, …).
    case untrusted = "certificate_untrusted"
    /// The leaf's notAfter is before the verification time.
    case expired = "certificate_expired"
    /// The leaf's notBefore is after the verification time.
    case notYetValid = "certificate_not_yet_valid"
    /// The leaf says it is a CA (basicConstraints cA = TRUE).
    case isCA = "certificate_is_ca"
    /// keyUsage missing or without digitalSignature.
    case keyUsage = "certificate_key_usage"
    /// extendedKeyUsage missing or without clientAuth.
    case extendedKeyUsage = "certificate_eku"
    /// The revocation hook says the certificate is revoked.
    case revoked = "certificate_revoked"
    /// No usable identity: none, several URI SANs or CNs, a foreign URI, or a value
    /// ``DeviceID`` refuses.
    case identity = "certificate_identity"
    /// Not a parseable DER certificate, or over the size limit.
    case malformed = "certificate_malformed"

    /// A ``DenialReason`` with this code. `detail` must not echo raw certificate text.
    func reason(_ detail: String) -> DenialReason {
        DenialReason(code: rawValue, detail: detail)
    }
}
