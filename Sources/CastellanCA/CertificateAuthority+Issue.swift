import CastellanAuth
import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate the CA issued, with the private key it generated (nil when it came from a CSR).
public struct IssuedCertificate: Sendable {
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey?

    /// `PREFIX.pem` and, for a generated key, `PREFIX.key` (0600); refuses to overwrite either.
    public func write(prefix: String) throws(CAError) {
        let certificatePath = prefix + ".pem", keyPath = prefix + ".key"
        for path in [certificatePath] + (privateKey == nil ? [] : [keyPath])
        where FileManager.default.fileExists(atPath: path) {
            throw .exists(path)
        }
        if let privateKey { try CAFiles.createKey(keyPath, pem: try CertificateAuthority.pem(privateKey.serializeAsPEM)) }
        try CAFiles.createPublic(certificatePath, pem: try CertificateAuthority.pem(certificate.serializeAsPEM))
    }

    /// The SHA-256 fingerprint of the DER certificate, lowercase hex.
    public var fingerprint: String {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return "" }
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02x", $0) }.joined()
    }

    /// The serial number, lowercase hex.
    public var serial: String { certificate.serialNumber.hexString }
}

extension CertificateAuthority {
    /// A device certificate for `device` with a freshly generated key.
    public func issueDevice(
        _ device: DeviceID, keyType: KeyType = .ecdsaP256, validityDays: Int = 365, now: Date = Date(),
        entropy: any EntropySource = SystemEntropy()
    ) throws(CAError) -> IssuedCertificate {
        let key = Self.generateKey(keyType)
        let certificate = try sign(
            subject: try .commonName(device.rawValue), publicKey: key.publicKey,
            validityDays: validityDays, now: now, entropy: entropy, extensions: try deviceExtensions(device, key.publicKey))
        return IssuedCertificate(certificate: certificate, privateKey: key)
    }

    /// A device certificate for the key in `csr`, after ``CSRPolicy`` accepted it for `device`.
    public func issueDevice(
        _ device: DeviceID, csr: CertificateSigningRequest, validityDays: Int = 365, now: Date = Date(),
        entropy: any EntropySource = SystemEntropy()
    ) throws(CAError) -> IssuedCertificate {
        try CSRPolicy.check(csr, for: device)
        let certificate = try sign(
            subject: try .commonName(device.rawValue), publicKey: csr.publicKey,
            validityDays: validityDays, now: now, entropy: entropy, extensions: try deviceExtensions(device, csr.publicKey))
        return IssuedCertificate(certificate: certificate, privateKey: nil)
    }

    /// The broker's TLS server certificate (EKU serverAuth) for the given names and addresses.
    public func issueServer(
        dns: [String], ips: [String] = [], keyType: KeyType = .ecdsaP256, validityDays: Int = 825, now: Date = Date(),
        entropy: any EntropySource = SystemEntropy()
    ) throws(CAError) -> IssuedCertificate {
        guard !dns.isEmpty || !ips.isEmpty else { throw .invalid("a server certificate needs at least one --dns or --ip") }
        var names: [GeneralName] = []
        for name in dns {
            guard !name.isEmpty, name.utf8.count <= 253, name.allSatisfy({ $0.isLetter || $0.isNumber || "-.*".contains($0) })
            else { throw .invalid("'\(name)' is not a DNS name") }
            names.append(.dnsName(name))
        }
        for address in ips {
            guard let bytes = IPAddressBytes(address) else { throw .invalid("'\(address)' is not an IP address") }
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
        }
        let key = Self.generateKey(keyType)
        let extensions: Certificate.Extensions
        do {
            extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
            }
        } catch {
            throw .invalid("cannot build server extensions: \(error)")
        }
        let subject = try DistinguishedName.commonName(dns.first ?? ips[0])
        let certificate = try sign(subject: subject, publicKey: key.publicKey, validityDays: validityDays, now: now,
                                   entropy: entropy, extensions: extensions)
        return IssuedCertificate(certificate: certificate, privateKey: key)
    }

    private func deviceExtensions(_ device: DeviceID, _ key: Certificate.PublicKey) throws(CAError) -> Certificate.Extensions {
        do {
            return try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                SubjectAlternativeNames([.uniformResourceIdentifier(Self.deviceURIPrefix + device.rawValue)])
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
                SubjectKeyIdentifier(hash: key)
            }
        } catch {
            throw .invalid("cannot build device extensions: \(error)")
        }
    }

    var authorityKeyIdentifier: ArraySlice<UInt8>? {
        (try? certificate.extensions.subjectKeyIdentifier)??.keyIdentifier
    }

    private func sign(
        subject: DistinguishedName, publicKey: Certificate.PublicKey, validityDays: Int, now: Date,
        entropy: any EntropySource, extensions: Certificate.Extensions
    ) throws(CAError) -> Certificate {
        guard (1...3650).contains(validityDays) else { throw .invalid("validity must be 1 to 3650 days") }
        let notAfter = min(now.addingTimeInterval(Double(validityDays) * 86400), certificate.notValidAfter)
        do {
            return try Certificate(
                version: .v3, serialNumber: try Self.serialNumber(entropy), publicKey: publicKey,
                notValidBefore: now.addingTimeInterval(-300), notValidAfter: notAfter, issuer: certificate.subject,
                subject: subject, signatureAlgorithm: signatureAlgorithm, extensions: extensions,
                issuerPrivateKey: privateKey)
        } catch let error as CAError {
            throw error
        } catch {
            throw .invalid("cannot sign the certificate: \(error)")
        }
    }
}

/// The network-order bytes of a textual IPv4 or IPv6 address, or nil.
func IPAddressBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr(), v6 = in6_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
    return nil
}
