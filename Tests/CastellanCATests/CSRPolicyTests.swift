import CastellanAuth
import CastellanCA
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@Suite struct CSRPolicyTests {
    func csr(cn: String, sans: [GeneralName] = [], ca: Bool = false, key: P256.Signing.PrivateKey = .init(),
             signer: P256.Signing.PrivateKey? = nil) throws -> CertificateSigningRequest {
        let extensions = try Certificate.Extensions {
            if ca { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }
            if !sans.isEmpty { SubjectAlternativeNames(sans) }
        }
        let request = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(cn) }, privateKey: .init(key),
            attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256)
        guard let signer else { return request }
        // Re-sign the same request info with another key: the signature no longer matches the key.
        let forged = try CertificateSigningRequest(
            version: .v1, subject: request.subject, privateKey: .init(signer), attributes: request.attributes,
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(forged)
        var bytes = serializer.serializedBytes
        let original = Array(request.publicKey.subjectPublicKeyInfoBytes), swapped = Array(forged.publicKey.subjectPublicKeyInfoBytes)
        let range = try #require(bytes.firstRange(of: swapped))
        bytes.replaceSubrange(range, with: original)
        return try CertificateSigningRequest(derEncoded: bytes)
    }

    let device = try! DeviceID("dev9")

    @Test func csrForTheDevice_isAccepted_andTheCertificateCarriesItsKey() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: try DistinguishedName(parsing: "CN=CA"))
        let key = P256.Signing.PrivateKey()
        let request = try csr(cn: "dev9", sans: [.uniformResourceIdentifier("urn:castellan:device:dev9")], key: key)
        let issued = try ca.issueDevice(device, csr: request)
        #expect(issued.privateKey == nil)
        #expect(issued.certificate.publicKey == Certificate.PublicKey(key.publicKey))
    }

    @Test func csrForAnotherIdentity_isRefused() throws {
        #expect(throws: CAError.self) { try CSRPolicy.check(try csr(cn: "dev10"), for: device) }
        #expect(throws: CAError.self) {
            try CSRPolicy.check(try csr(cn: "dev9", sans: [.uniformResourceIdentifier("urn:castellan:device:dev10")]), for: device)
        }
        #expect(throws: CAError.self) { try CSRPolicy.check(try csr(cn: "dev9", sans: [.dnsName("evil.example")]), for: device) }
    }

    @Test func csrAskingForCARights_isRefused() throws {
        #expect(throws: CAError.self) { try CSRPolicy.check(try csr(cn: "dev9", ca: true), for: device) }
    }

    @Test func csrWithABadSignature_isRefused_andNothingIsWritten() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: try DistinguishedName(parsing: "CN=CA"))
        let forged = try csr(cn: "dev9", signer: P256.Signing.PrivateKey())
        #expect(throws: CAError.csrRefused("its signature does not verify")) { try ca.issueDevice(device, csr: forged) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["ca.key", "ca.pem", "profiles.yaml"])
    }
}
