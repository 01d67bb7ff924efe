import CastellanAuth
import Crypto
import Foundation

/// Device credentials sealed to the device's own post-quantum hybrid key.
///
/// HPKE (RFC 9180) with X-Wing (ML-KEM-768 + X25519), HKDF-SHA256 and AES-256-GCM. The bundle
/// is bound to its device id twice: the id is the HPKE `info` and the header bytes are the
/// AEAD's associated data, so a bundle opens only as the device it was made for, only with
/// that device's private key, and only untampered. Format (docs/provisioning.md): one JSON
/// object `{"format":"castellan-bundle","version":1,"device":ID,"suite":…,"enc":B64,"ciphertext":B64}`
/// whose plaintext is a JSON object of file names to base64 contents.
public enum SealedBundle {
    public static let format = "castellan-bundle"
    public static let version = 1
    public static let suiteName = "XWingMLKEM768X25519_SHA256_AES_GCM_256"
    static let suite = HPKE.Ciphersuite.XWingMLKEM768X25519_SHA256_AES_GCM_256

    struct Envelope: Codable {
        let format: String
        let version: Int
        let device: String
        let suite: String
        let enc: Data
        let ciphertext: Data
    }

    /// The bytes both sides bind the bundle to.
    static func binding(_ device: DeviceID) -> Data { Data("\(format)/\(version)/\(device.rawValue)".utf8) }

    /// Seals `files` (name → contents) for `device` to its X-Wing public key.
    public static func seal(_ files: [String: [UInt8]], for device: DeviceID, to recipient: XWingMLKEM768X25519.PublicKey)
        throws(CAError) -> [UInt8]
    {
        do {
            let plaintext = try JSONEncoder().encode(files.mapValues { Data($0) })
            var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: suite, info: binding(device))
            let ciphertext = try sender.seal(plaintext, authenticating: binding(device))
            let envelope = Envelope(format: format, version: version, device: device.rawValue, suite: suiteName,
                                    enc: sender.encapsulatedKey, ciphertext: ciphertext)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Array(try encoder.encode(envelope))
        } catch {
            throw .invalid("cannot seal the bundle: \(error)")
        }
    }

    /// Opens a bundle made for `device` with its private key; refuses anything else.
    public static func open(_ bundle: [UInt8], as device: DeviceID, with key: XWingMLKEM768X25519.PrivateKey)
        throws(CAError) -> [String: [UInt8]]
    {
        let envelope = try decode(bundle)
        guard envelope.device == device.rawValue else { throw .bundleRefused("it was made for another device") }
        return try open(envelope, as: device, with: key)
    }

    /// Opens a bundle with the device's private key, for the device the bundle names; the name
    /// is authenticated (HPKE info and AEAD data), so a relabelled bundle does not open.
    public static func open(_ bundle: [UInt8], with key: XWingMLKEM768X25519.PrivateKey)
        throws(CAError) -> (device: DeviceID, files: [String: [UInt8]])
    {
        let envelope = try decode(bundle)
        guard let device = try? DeviceID(envelope.device) else { throw .bundleRefused("it names an invalid device id") }
        return (device, try open(envelope, as: device, with: key))
    }

    private static func decode(_ bundle: [UInt8]) throws(CAError) -> Envelope {
        guard bundle.count <= 1 << 20 else { throw .bundleRefused("larger than 1 MiB") }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(bundle)) else {
            throw .bundleRefused("not a Castellan bundle")
        }
        guard envelope.format == format, envelope.version == version, envelope.suite == suiteName else {
            throw .bundleRefused("unsupported format \(envelope.format) v\(envelope.version) (\(envelope.suite))")
        }
        return envelope
    }

    private static func open(_ envelope: Envelope, as device: DeviceID, with key: XWingMLKEM768X25519.PrivateKey)
        throws(CAError) -> [String: [UInt8]]
    {
        let plaintext: Data
        do {
            var recipient = try HPKE.Recipient(privateKey: key, ciphersuite: suite, info: binding(device),
                                               encapsulatedKey: envelope.enc)
            plaintext = try recipient.open(envelope.ciphertext, authenticating: binding(device))
        } catch {
            throw .bundleRefused("it does not open with this key (wrong key or tampered)")
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
