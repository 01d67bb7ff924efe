import CastellanAuth
import Crypto
import Foundation
import X509

/// Device credentials sealed to the device's own post-quantum hybrid key and signed by the CA.
///
/// Confidentiality: HPKE (RFC 9180) with X-Wing (ML-KEM-768 + X25519), HKDF-SHA256 and
/// AES-256-GCM. Anyone holding the device's public key can seal to it, so HPKE base mode alone
/// says nothing about *who* sealed; X-Wing has no authenticated (Auth) mode. So the CA signs
/// the sealed envelope (its device id, KEM encapsulation and ciphertext) with its own key, and
/// the device opens a bundle only when that signature verifies against a CA certificate it
/// already trusts — one the operator gave it out of band (`client unseal --ca FILE`), never the
/// `ca.pem` inside the bundle. The signature is checked before anything is decrypted.
///
/// The bundle is bound to its device id three times: the id is the HPKE `info`, the header
/// bytes are the AEAD's associated data, and the id is signed. Format (docs/provisioning.md): one
/// JSON object `{"format":"castellan-bundle","version":2,"device":ID,"suite":…,"enc":B64,
/// "ciphertext":B64,"signature":B64}` whose plaintext is a JSON object of file names to base64
/// contents. Version 1 bundles (unsigned) are refused.
public enum SealedBundle {
    public static let format = "castellan-bundle"
    public static let version = 2
    public static let suiteName = "XWingMLKEM768X25519_SHA256_AES_GCM_256"
    static let suite = HPKE.Ciphersuite.XWingMLKEM768X25519_SHA256_AES_GCM_256

    struct Envelope: Codable {
        let format: String
        let version: Int
        let device: String
        let suite: String
        let enc: Data
        let ciphertext: Data
        let signature: Data?
    }

    /// The bytes HPKE binds the bundle to (its `info` and associated data).
    static func binding(_ device: DeviceID) -> Data { Data("\(format)/\(version)/\(device.rawValue)".utf8) }

    /// The bytes the CA signs: the binding, a NUL (ids never hold one), the encapsulation's
    /// length (4 bytes, big-endian), the encapsulation and the ciphertext — unambiguous, so no
    /// two envelopes share a signed message.
    static func signedBytes(_ device: DeviceID, enc: Data, ciphertext: Data) -> Data {
        let length = UInt32(enc.count)
        return binding(device) + Data([0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
            + enc + ciphertext
    }

    /// Seals `files` (name → contents) for `device` to its X-Wing public key, signed by `ca`.
    public static func seal(
        _ files: [String: [UInt8]], for device: DeviceID, to recipient: XWingMLKEM768X25519.PublicKey, signedBy ca: CertificateAuthority
    ) throws(CAError) -> [UInt8] {
        do {
            let plaintext = try JSONEncoder().encode(files.mapValues { Data($0) })
            var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: suite, info: binding(device))
            let ciphertext = try sender.seal(plaintext, authenticating: binding(device))
            let signature = try ca.privateKey.sign(
                bytes: signedBytes(device, enc: sender.encapsulatedKey, ciphertext: ciphertext), signatureAlgorithm: ca.signatureAlgorithm)
            let envelope = Envelope(format: format, version: version, device: device.rawValue, suite: suiteName,
                                    enc: sender.encapsulatedKey, ciphertext: ciphertext, signature: Data(signature.rawRepresentation))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Array(try encoder.encode(envelope))
        } catch {
            throw .invalid("cannot seal the bundle: \(error)")
        }
    }

    /// Opens a bundle made for `device` with its private key, if `ca` signed it; refuses anything else.
    public static func open(
        _ bundle: [UInt8], as device: DeviceID, with key: XWingMLKEM768X25519.PrivateKey, trusting ca: Certificate
    ) throws(CAError) -> [String: [UInt8]] {
        let envelope = try decode(bundle)
        guard envelope.device == device.rawValue else { throw .bundleRefused("it was made for another device") }
        return try open(envelope, as: device, with: key, trusting: ca)
    }

    /// Opens a bundle with the device's private key, for the device the bundle names, if `ca`
    /// signed it; the name is signed and authenticated (HPKE info and AEAD data), so a
    /// relabelled bundle does not open.
    public static func open(
        _ bundle: [UInt8], with key: XWingMLKEM768X25519.PrivateKey, trusting ca: Certificate
    ) throws(CAError) -> (device: DeviceID, files: [String: [UInt8]]) {
        let envelope = try decode(bundle)
        guard let device = try? DeviceID(envelope.device) else { throw .bundleRefused("it names an invalid device id") }
        return (device, try open(envelope, as: device, with: key, trusting: ca))
    }

    private static func decode(_ bundle: [UInt8]) throws(CAError) -> Envelope {
        guard bundle.count <= 1 << 20 else { throw .bundleRefused("larger than 1 MiB") }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(bundle)) else {
            throw .bundleRefused("not a Castellan bundle")
        }
        guard envelope.format == format, envelope.suite == suiteName else {
            throw .bundleRefused("unsupported format \(envelope.format) (\(envelope.suite))")
        }
        guard envelope.version == version else {
            throw .bundleRefused("version \(envelope.version) is not \(version), the signed format; provision it again")
        }
        return envelope
    }

    private static func open(
        _ envelope: Envelope, as device: DeviceID, with key: XWingMLKEM768X25519.PrivateKey, trusting ca: Certificate
    ) throws(CAError) -> [String: [UInt8]] {
        guard let algorithm = CertificateAuthority.signatureAlgorithm(for: ca.publicKey) else {
            throw .invalid("the trusted CA's key must be ECDSA P-256 or P-384")
        }
        guard let signature = envelope.signature,
              ca.publicKey.isValidSignature(signature, for: signedBytes(device, enc: envelope.enc, ciphertext: envelope.ciphertext),
                                            signatureAlgorithm: algorithm)
        else { throw .bundleRefused("it is not signed by the trusted CA (\(ca.subject)): forged or tampered") }
        let plaintext: Data
        do {
            var recipient = try HPKE.Recipient(privateKey: key, ciphersuite: suite, info: binding(device),
                                               encapsulatedKey: envelope.enc)
            plaintext = try recipient.open(envelope.ciphertext, authenticating: binding(device))
        } catch {
            throw .bundleRefused("it does not open with this key (sealed to another device's key)")
        }
        guard let files = try? JSONDecoder().decode([String: Data].self, from: plaintext) else {
            throw .bundleRefused("its contents do not parse")
        }
        // File names become paths on the device: plain names only.
        for name in files.keys where name.isEmpty || name.contains("/") || name.hasPrefix(".") || name.utf8.count > 64 {
            throw .bundleRefused("it holds a file name that is not a plain name")
        }
        return files.mapValues { Array($0) }
    }
}
