import CastellanAuth
import Crypto
import Foundation
import SwiftASN1
import X509

/// Castellan's own certificate authority: the device CA that mosquitto's TLS listener and the
/// service trust, kept as `ca.pem` and `ca.key` (0600) in the CA folder.
///
/// Issues device certificates (URI SAN `urn:castellan:device:<id>`, clientAuth, digitalSignature,
/// never a CA, random 128-bit serial) from a generated key or a checked CSR, the broker's server
/// certificate (serverAuth), and CRLs. Built on swift-certificates and swift-crypto; it never
/// shells out to openssl.
public struct CertificateAuthority: Sendable {
    /// The key types `castellan ca init --key` accepts.
    public enum KeyType: String, Sendable, CaseIterable {
        case ecdsaP256 = "ecdsa-p256"
        case ecdsaP384 = "ecdsa-p384"
    }

    public static let certificateFile = "ca.pem"
    public static let keyFile = "ca.key"
    /// Device certificates' URI SAN prefix; the rest is the device id.
    public static let deviceURIPrefix = DeviceCertificateConfiguration.uriPrefix

    /// The CA certificate.
    public let certificate: Certificate
    let privateKey: Certificate.PrivateKey
    let signatureAlgorithm: Certificate.SignatureAlgorithm

    init(certificate: Certificate, privateKey: Certificate.PrivateKey) throws(CAError) {
        guard certificate.publicKey == privateKey.publicKey else { throw .invalid("ca.key does not belong to ca.pem") }
        self.certificate = certificate
        self.privateKey = privateKey
        guard let algorithm = Self.signatureAlgorithm(for: privateKey.publicKey) else {
            throw .invalid("the CA key must be ECDSA P-256 or P-384")
        }
        signatureAlgorithm = algorithm
    }

    /// The algorithm a CA key of this kind signs with: ECDSA with the hash matching its curve;
    /// `nil` for any other key. Verifiers derive it from the key they trust, never from the signed data.
    static func signatureAlgorithm(for key: Certificate.PublicKey) -> Certificate.SignatureAlgorithm? {
        if P256.Signing.PublicKey(key) != nil { return .ecdsaWithSHA256 }
        if P384.Signing.PublicKey(key) != nil { return .ecdsaWithSHA384 }
        return nil
    }

    /// Reads a CA certificate (PEM) a device was given to trust, such as `ca.pem`.
    public static func trustedCertificate(from path: String) throws(CAError) -> Certificate {
        let text = try CAFiles.readPublic(path)
        do { return try Certificate(pemEncoded: text) } catch { throw .invalid("\(path) is not a PEM certificate") }
    }

    /// Creates a new CA in `folder`: `ca.pem` and `ca.key` (0600). Refuses if either exists.
    public static func create(
        in folder: String, subject: DistinguishedName, keyType: KeyType = .ecdsaP256, validityDays: Int = 3650,
        now: Date = Date(), entropy: any EntropySource = SystemEntropy()
    ) throws(CAError) -> CertificateAuthority {
        guard (1...36500).contains(validityDays) else { throw .invalid("validity must be 1 to 36500 days") }
        let certificatePath = folder + "/" + certificateFile, keyPath = folder + "/" + keyFile
        for path in [certificatePath, keyPath] where FileManager.default.fileExists(atPath: path) { throw .exists(path) }
        let key = generateKey(keyType)
        let algorithm: Certificate.SignatureAlgorithm = keyType == .ecdsaP256 ? .ecdsaWithSHA256 : .ecdsaWithSHA384
        let certificate: Certificate
        do {
            certificate = try Certificate(
                version: .v3, serialNumber: try serialNumber(entropy), publicKey: key.publicKey,
                notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(validityDays) * 86400),
                issuer: subject, subject: subject, signatureAlgorithm: algorithm,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: key.publicKey)
                },
                issuerPrivateKey: key)
        } catch {
            throw .invalid("cannot build the CA certificate: \(error)")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create \(folder): \(error)")
        }
        try CAFiles.createKey(keyPath, pem: try pem(key.serializeAsPEM))
        try CAFiles.createPublic(certificatePath, pem: try pem(certificate.serializeAsPEM))
        if !FileManager.default.fileExists(atPath: folder + "/" + CertificateProfiles.fileName) {
            try CAFiles.createPublic(folder + "/" + CertificateProfiles.fileName, pem: CertificateProfiles.defaultText)
        }
        return try CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Loads the CA from `folder`.
    public static func load(from folder: String) throws(CAError) -> CertificateAuthority {
        let certificateText = try CAFiles.readPublic(folder + "/" + certificateFile)
        let keyText = try CAFiles.readKey(folder + "/" + keyFile)
        do {
            return try CertificateAuthority(
                certificate: Certificate(pemEncoded: certificateText), privateKey: Certificate.PrivateKey(pemEncoded: keyText))
        } catch let error as CAError {
            throw error
        } catch {
            throw .invalid("cannot read the CA in \(folder): \(error)")
        }
    }

    static func generateKey(_ type: KeyType) -> Certificate.PrivateKey {
        switch type {
        case .ecdsaP256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .ecdsaP384: Certificate.PrivateKey(P384.Signing.PrivateKey())
        }
    }

    /// A random positive 128-bit serial number (RFC 5280 §4.1.2.2: at most 20 octets, positive).
    static func serialNumber(_ entropy: any EntropySource) throws(CAError) -> Certificate.SerialNumber {
        var bytes: [UInt8]
        do { bytes = try entropy.bytes(16) } catch { throw .io("entropy source failed: \(error)") }
        guard bytes.count == 16 else { throw .io("entropy source returned \(bytes.count) of 16 bytes") }
        bytes[0] = (bytes[0] & 0x7F) | 0x01  // positive, and never a leading zero byte
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func pem(_ serialize: () throws -> PEMDocument) throws(CAError) -> String {
        do { return try serialize().pemString + "\n" } catch { throw .invalid("cannot encode PEM: \(error)") }
    }
}
