import SwiftASN1
import X509

/// Reads the device identity out of a certificate that already passed chain verification.
///
/// Ambiguity is refused rather than resolved: several URI SANs, several CNs (in any RDN, in
/// either mode — other tools such as mosquitto's `use_identity_as_username` may pick a
/// different one than we would), a URI that is not `urn:castellan:device:`, or a value that
/// ``DeviceID`` refuses. When a URI SAN exists it is the only source; the CN is consulted
/// only if configured and only when there is no URI SAN at all.
enum CertificateIdentityExtractor {
    static func identity(
        of certificate: Certificate, source: CertificateIdentitySource
    ) -> CertificateStep<DeviceID> {
        let commonNames = certificate.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
        guard commonNames.count <= 1 else {
            return .refused(CertificateDenialCode.identity.reason("subject holds \(commonNames.count) common names"))
        }
        let names: SubjectAlternativeNames?
        do {
            names = try certificate.extensions.subjectAlternativeNames
        } catch {
            return .refused(CertificateDenialCode.malformed.reason("subjectAltName does not decode"))
        }
        let uris = (names ?? SubjectAlternativeNames()).compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
        switch uris.count {
        case 1:
            return deviceID(fromURI: uris[0])
        case 0:
            guard source.allowsCommonName else {
                return .refused(CertificateDenialCode.identity.reason("no URI subjectAltName"))
            }
            guard let commonName = commonNames.first, let text = String(commonName.value) else {
                return .refused(CertificateDenialCode.identity.reason("no URI subjectAltName and no text common name"))
            }
            return validated(text, from: "common name")
        default:
            return .refused(CertificateDenialCode.identity.reason("\(uris.count) URI subjectAltNames"))
        }
    }

    private static func deviceID(fromURI uri: String) -> CertificateStep<DeviceID> {
        // Byte comparison: String.hasPrefix would compare by Unicode canonical equivalence.
        let prefix = DeviceCertificateConfiguration.uriPrefix.utf8
        guard uri.utf8.starts(with: prefix) else {
            return .refused(CertificateDenialCode.identity.reason("URI subjectAltName is not urn:castellan:device:"))
        }
        return validated(String(decoding: uri.utf8.dropFirst(prefix.count), as: UTF8.self), from: "URI subjectAltName")
    }

    private static func validated(_ text: String, from place: String) -> CertificateStep<DeviceID> {
        do {
            return .passed(try DeviceID(text))
        } catch {
            // IdentityError describes the rule, never the raw text (which may hold control characters).
            return .refused(CertificateDenialCode.identity.reason("\(place): \(error)"))
        }
    }
}

/// The outcome of one verification step: a value to go on with, or the refusal to return.
enum CertificateStep<Value> {
    case passed(Value)
    case refused(DenialReason)
}

extension Certificate {
    /// The device this certificate names (its one `urn:castellan:device:` URI SAN), or `nil`.
    /// Says nothing of whether the certificate is valid: for a client choosing its client id,
    /// never for a decision.
    public var namedDevice: DeviceID? {
        guard case .passed(let id) = CertificateIdentityExtractor.identity(of: self, source: .uriSAN) else { return nil }
        return id
    }
}
