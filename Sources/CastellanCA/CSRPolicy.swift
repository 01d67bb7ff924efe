import CastellanAuth
import X509

/// What a device's certificate signing request may ask for: its own identity, nothing more.
///
/// The CSR's signature must verify (proof of possession); its subject CN, if any, must be the
/// device id; it may request no SAN but the device's own URI; and it may not ask for CA
/// rights or certificate signing. Anything else is refused before anything is signed.
public enum CSRPolicy {
    public static func check(_ csr: CertificateSigningRequest, for device: DeviceID) throws(CAError) {
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else { throw .csrRefused("its signature does not verify") }
        let commonNames = csr.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
        guard commonNames.count <= 1 else { throw .csrRefused("it names several common names") }
        if let name = commonNames.first, String(describing: name.value) != device.rawValue {
            throw .csrRefused("its common name is not the device id \(device)")
        }
        let requested: Certificate.Extensions
        do {
            requested = try csr.attributes.extensionRequest?.extensions ?? Certificate.Extensions()
        } catch {
            throw .csrRefused("its extension request does not parse")
        }
        do {
            if let constraints = try requested.basicConstraints, constraints != .notCertificateAuthority {
                throw CAError.csrRefused("it asks for CA rights")
            }
            if let usage = try requested.keyUsage, usage.keyCertSign || usage.cRLSign {
                throw CAError.csrRefused("it asks to sign certificates or CRLs")
            }
            if let names = try requested.subjectAlternativeNames {
                for name in names {
                    guard case .uniformResourceIdentifier(let uri) = name,
                          uri == CertificateAuthority.deviceURIPrefix + device.rawValue else {
                        throw CAError.csrRefused("it asks for another identity (\(name))")
                    }
                }
            }
        } catch let error as CAError {
            throw error
        } catch {
            throw .csrRefused("an extension does not parse")
        }
    }
}
