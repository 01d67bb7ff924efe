import Crypto
import Foundation
import SwiftASN1

/// A device's X-Wing key pair for receiving sealed bundles, as `castellan client keygen` writes it.
///
/// `PREFIX.key` (0600) holds the 32-byte seed in a `CASTELLAN XWING PRIVATE KEY` PEM block;
/// `PREFIX.pub` holds the public key in a `CASTELLAN XWING PUBLIC KEY` block. The private key
/// never leaves the device.
public enum DeviceKeyPair {
    static let privateLabel = "CASTELLAN XWING PRIVATE KEY"
    static let publicLabel = "CASTELLAN XWING PUBLIC KEY"

    /// Generates a key pair and writes `PREFIX.key` and `PREFIX.pub`; never overwrites.
    public static func generate(prefix: String) throws(CAError) {
        for path in [prefix + ".key", prefix + ".pub"] where FileManager.default.fileExists(atPath: path) { throw .exists(path) }
        let key: XWingMLKEM768X25519.PrivateKey
        do { key = try .generate() } catch { throw .invalid("cannot generate an X-Wing key: \(error)") }
        try CAFiles.createKey(prefix + ".key", pem: PEMDocument(type: privateLabel, derBytes: Array(key.seedRepresentation)).pemString + "\n")
        try CAFiles.createPublic(prefix + ".pub", pem: PEMDocument(type: publicLabel, derBytes: Array(key.publicKey.rawRepresentation)).pemString + "\n")
    }

    public static func loadPrivate(_ path: String) throws(CAError) -> XWingMLKEM768X25519.PrivateKey {
        let document = try pem(CAFiles.readKey(path), label: privateLabel, path: path)
        do { return try XWingMLKEM768X25519.PrivateKey(seedRepresentation: document.derBytes, publicKey: nil) } catch {
            throw .invalid("\(path) does not hold an X-Wing private key")
        }
    }

    public static func loadPublic(_ path: String) throws(CAError) -> XWingMLKEM768X25519.PublicKey {
        let document = try pem(CAFiles.readPublic(path), label: publicLabel, path: path)
        do { return try XWingMLKEM768X25519.PublicKey(rawRepresentation: document.derBytes) } catch {
            throw .invalid("\(path) does not hold an X-Wing public key")
        }
    }

    private static func pem(_ text: String, label: String, path: String) throws(CAError) -> PEMDocument {
        guard let document = try? PEMDocument(pemString: text), document.discriminator == label else {
            throw .invalid("\(path) is not a \(label) PEM file")
        }
        return document
    }
}
