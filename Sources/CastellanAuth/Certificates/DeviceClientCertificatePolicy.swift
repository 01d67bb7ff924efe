import SwiftASN1
import X509

/// The leaf rules for a device's client certificate, on top of RFC 5280 chain rules:
/// not a CA, keyUsage with digitalSignature, extendedKeyUsage with clientAuth.
///
/// `anyExtendedKeyUsage` does not count as clientAuth: a device certificate must say what it
/// is for. Because this policy enforces them, EKU and SAN may be marked critical.
struct DeviceClientCertificatePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.basicConstraints,
        .X509ExtensionID.keyUsage,
        .X509ExtensionID.extendedKeyUsage,
        .X509ExtensionID.subjectAlternativeName,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        switch Self.leafViolation(chain.leaf) {
        case nil: .meetsPolicy
        case let code?: .failsToMeetPolicy(reason: "device leaf rule broken: \(code.rawValue)")
        }
    }

    /// The first leaf rule `leaf` breaks, or `nil`. Undecodable extensions count as broken.
    static func leafViolation(_ leaf: Certificate) -> CertificateDenialCode? {
        switch Result(catching: { try leaf.extensions.basicConstraints }) {
        case .failure: return .malformed
        case .success(.isCertificateAuthority?): return .isCA
        case .success: break
        }
        switch Result(catching: { try leaf.extensions.keyUsage }) {
        case .success(let usage?) where usage.digitalSignature: break
        case .failure: return .malformed
        case .success: return .keyUsage
        }
        switch Result(catching: { try leaf.extensions.extendedKeyUsage }) {
        case .success(let usages?) where usages.contains(.clientAuth): break
        case .failure: return .malformed
        case .success: return .extendedKeyUsage
        }
        if case .failure = Result(catching: { try leaf.extensions.subjectAlternativeNames }) { return .malformed }
        return nil
    }
}
