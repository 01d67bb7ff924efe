import Crypto
import Foundation
import SwiftASN1
import X509

/// A CA, a broker certificate for 127.0.0.1/localhost and a device certificate, written as PEM
/// files into a folder, made fresh with swift-certificates for each TLS test.
struct TLSFiles {
    let caFile: String
    let serverCertificateFile: String
    let serverKeyFile: String
    let clientCertificateFile: String
    let clientKeyFile: String

    static func write(into directory: URL) throws -> TLSFiles {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Castellan Test CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))

        func leaf(_ commonName: String, usage: ExtendedKeyUsage.Usage, names: [GeneralName]) throws -> (Certificate, P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                notValidBefore: now - 3600, notValidAfter: now + 3600, issuer: caName,
                subject: try DistinguishedName { CommonName(commonName) }, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([usage])
                    SubjectAlternativeNames(names)
                },
                issuerPrivateKey: .init(caKey))
            return (certificate, key)
        }
        let server = try leaf("localhost", usage: .serverAuth, names: [
            .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
        ])
        let client = try leaf("dev1", usage: .clientAuth, names: [.uniformResourceIdentifier("urn:castellan:device:dev1")])

        func file(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        return TLSFiles(
            caFile: try file("ca.pem", try ca.serializeAsPEM().pemString),
            serverCertificateFile: try file("server.pem", try server.0.serializeAsPEM().pemString),
            serverKeyFile: try file("server.key", server.1.pemRepresentation),
            clientCertificateFile: try file("client.pem", try client.0.serializeAsPEM().pemString),
            clientKeyFile: try file("client.key", client.1.pemRepresentation))
    }
}
