import Crypto
import Foundation
import X509

/// Builds device CAs and client certificates in-process for the certificate tests.
///
/// Keys are derived from a seed, so every run uses the same keys; only ECDSA signatures vary.
enum TestPKI {
    /// The fixed "now" of the certificate tests: 2025-06-15T17:46:40Z.
    static let now = Date(timeIntervalSince1970: 1_750_009_600)
    static let day: TimeInterval = 86_400

    /// A CA: its certificate and the key that signs what it issues.
    struct Authority {
        let certificate: Certificate
        let key: P256.Signing.PrivateKey
    }

    /// A deterministic P-256 key. The seed's SHA-256 is a valid scalar with overwhelming probability.
    static func key(_ seed: String) throws -> P256.Signing.PrivateKey {
        try P256.Signing.PrivateKey(rawRepresentation: Data(SHA256.hash(data: Data(seed.utf8))))
    }

    static func name(commonNames: [String], organization: String? = "Castellan Tests") -> DistinguishedName {
        var rdns: [RelativeDistinguishedName] = []
        if let organization {
            rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: organization)))
        }
        for cn in commonNames {
            rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: cn)))
        }
        return DistinguishedName(rdns)
    }

    /// A self-signed device CA.
    static func rootCA(
        commonName: String = "Castellan Device CA", keySeed: String = "root",
        notBefore: Date = now - 365 * day, notAfter: Date = now + 3650 * day
    ) throws -> Authority {
        let key = try key(keySeed)
        let name = name(commonNames: [commonName])
        let extensions = try Certificate.Extensions([
            Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
            Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
        ])
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(bytes: [0x01]),
            publicKey: .init(key.publicKey), notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: .init(key)
        )
        return Authority(certificate: certificate, key: key)
    }

    /// An intermediate CA signed by `issuer`.
    static func intermediateCA(issuedBy issuer: Authority, commonName: String = "Castellan Device Sub-CA") throws -> Authority {
        let key = try key("intermediate-\(commonName)")
        let extensions = try Certificate.Extensions([
            Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true),
            Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
        ])
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(bytes: [0x02]),
            publicKey: .init(key.publicKey), notValidBefore: now - 30 * day, notValidAfter: now + 365 * day,
            issuer: issuer.certificate.subject, subject: name(commonNames: [commonName]),
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: .init(issuer.key)
        )
        return Authority(certificate: certificate, key: key)
    }

    /// A device certificate. Defaults make a valid one for `dev1`; each parameter breaks one rule.
    static func device(
        issuedBy issuer: Authority,
        uris: [String] = ["urn:castellan:device:dev1"],
        commonNames: [String] = ["dev1"],
        serial: UInt64 = 1000,
        notBefore: Date = now - day, notAfter: Date = now + 365 * day,
        basicConstraints: BasicConstraints? = .notCertificateAuthority,
        keyUsage: KeyUsage? = KeyUsage(digitalSignature: true),
        extendedKeyUsage: [ExtendedKeyUsage.Usage]? = [.clientAuth],
        keySeed: String = "device"
    ) throws -> Certificate {
        var extensions: [Certificate.Extension] = []
        if let basicConstraints { extensions.append(try .init(basicConstraints, critical: true)) }
        if let keyUsage { extensions.append(try .init(keyUsage, critical: true)) }
        if let extendedKeyUsage { extensions.append(try .init(ExtendedKeyUsage(extendedKeyUsage), critical: false)) }
        if !uris.isEmpty {
            let names = SubjectAlternativeNames(uris.map { GeneralName.uniformResourceIdentifier($0) })
            extensions.append(try .init(names, critical: false))
        }
        let key = try key(keySeed)
        return try Certificate(
            version: .v3, serialNumber: .init(serial),
            publicKey: .init(key.publicKey), notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: issuer.certificate.subject, subject: name(commonNames: commonNames),
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions(extensions), issuerPrivateKey: .init(issuer.key)
        )
    }

    /// The DER bytes, as the broker would hand them over.
    static func der(_ certificate: Certificate) throws -> [UInt8] {
        try certificate.serializeAsPEM().derBytes
    }
}
