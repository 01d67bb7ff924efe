import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Verifies a device's TLS client certificate (the DER the broker hands over) and names the
/// device it belongs to.
///
/// A certificate is accepted only if all of these hold, checked by swift-certificates'
/// `Verifier` with RFC 5280 rules plus ``DeviceClientCertificatePolicy``:
/// - it chains, with valid signatures, to one of the configured device CAs — never to the
///   system trust store, and never to a look-alike root with the same name but another key;
/// - every certificate in the chain is valid at the given time (inclusive bounds);
/// - the leaf is not a CA, has keyUsage digitalSignature and extendedKeyUsage clientAuth;
/// - it has exactly one identity (see ``CertificateIdentitySource``) that ``DeviceID`` accepts;
/// - the revocation hook says it is not revoked — asked on **every** call, cache hit or not.
///
/// Successful chain verifications are cached in ``cache`` by fingerprint; failures never are.
/// Malformed or oversized input is refused with `certificate_malformed`, never a trap — and so
/// is a non-canonical envelope (see ``CertificateEnvelope``), so one signed certificate has
/// exactly one fingerprint.
public struct DeviceCertificateVerifier: Sendable {
    /// The rules this verifier applies.
    public let configuration: DeviceCertificateConfiguration
    /// Verified chains, owned by this verifier so a new configuration starts with an empty cache.
    public let cache: CertificateVerificationCache
    private let revocation: any CertificateRevocationChecking
    private let roots: CertificateStore
    private let intermediates: CertificateStore

    /// A verifier for `configuration` that asks `revocation` at every connect.
    public init(configuration: DeviceCertificateConfiguration, revocation: any CertificateRevocationChecking) {
        self.configuration = configuration
        self.revocation = revocation
        self.roots = CertificateStore(configuration.trustRoots)
        self.intermediates = CertificateStore(configuration.intermediates)
        self.cache = CertificateVerificationCache(capacity: configuration.cacheCapacity)
    }

    /// Decides on the certificate `der` at `time`.
    ///
    /// Throws only what the revocation hook throws (the store is unreachable); the caller must
    /// then refuse the connection.
    public func verify(derEncoded der: [UInt8], at time: Date) async throws -> CertificateDecision {
        guard !der.isEmpty, der.count <= configuration.maxCertificateSize else {
            return .denied(CertificateDenialCode.malformed.reason("certificate is empty or over \(configuration.maxCertificateSize) bytes"))
        }
        if let cached = cache.lookup(derEncoded: der, at: time) {
            return try await revocationChecked(cached)
        }
        let fingerprint = CertificateFingerprint(derEncoded: der)
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            return .denied(CertificateDenialCode.malformed.reason("certificate is not valid DER"))
        }
        guard CertificateEnvelope.isStrict(der) else {
            return .denied(CertificateDenialCode.malformed.reason("certificate envelope outside the signature is not canonical"))
        }
        let chain: ValidatedCertificateChain
        switch await validate(certificate, at: time) {
        case .passed(let validated): chain = validated
        case .refused(let reason): return .denied(reason)
        }
        let deviceID: DeviceID
        switch CertificateIdentityExtractor.identity(of: certificate, source: configuration.identitySource) {
        case .passed(let id): deviceID = id
        case .refused(let reason): return .denied(reason)
        }
        let identity = CertificateIdentity(
            deviceID: deviceID, fingerprint: fingerprint,
            serialNumber: certificate.serialNumber, notValidAfter: certificate.notValidAfter
        )
        let decision = try await revocationChecked(identity)
        if case .verified = decision {
            cache.insert(
                identity, der: der,
                validFrom: chain.map(\.notValidBefore).max() ?? certificate.notValidBefore,
                validUntil: chain.map(\.notValidAfter).min() ?? certificate.notValidAfter
            )
        }
        return decision
    }

    private func revocationChecked(_ identity: CertificateIdentity) async throws -> CertificateDecision {
        if try await revocation.isRevoked(serialNumber: identity.serialNumber, fingerprint: identity.fingerprint) {
            cache.invalidate(fingerprint: identity.fingerprint)
            // The serial as `castellan cert list` shows it, then the fingerprint.
            return .denied(CertificateDenialCode.revoked.reason(
                "certificate serial \(identity.serialNumber.hexString) (\(identity.fingerprint)) is revoked"))
        }
        return .verified(identity)
    }

    private func validate(_ leaf: Certificate, at time: Date) async -> CertificateStep<ValidatedCertificateChain> {
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            DeviceClientCertificatePolicy()
        }
        switch await verifier.validate(leaf: leaf, intermediates: intermediates) {
        case .validCertificate(let chain):
            return .passed(chain)
        case .couldNotValidate(let failures):
            return .refused(Self.classify(leaf, at: time, chainFound: !failures.isEmpty))
        }
    }

    /// Names the refusal precisely. `chainFound` means a chain with valid signatures to our CA
    /// exists but broke a rule; without it the certificate is simply untrusted, whatever else
    /// is wrong with it.
    private static func classify(_ leaf: Certificate, at time: Date, chainFound: Bool) -> DenialReason {
        guard chainFound else {
            return CertificateDenialCode.untrusted.reason("no chain with valid signatures to the device CA")
        }
        if time > leaf.notValidAfter {
            return CertificateDenialCode.expired.reason("certificate expired at \(leaf.notValidAfter)")
        }
        if time < leaf.notValidBefore {
            return CertificateDenialCode.notYetValid.reason("certificate is valid from \(leaf.notValidBefore)")
        }
        if let code = DeviceClientCertificatePolicy.leafViolation(leaf) {
            return code.reason("certificate breaks the device leaf rule \(code.rawValue)")
        }
        return CertificateDenialCode.untrusted.reason("the chain to the device CA breaks RFC 5280 rules")
    }
}
