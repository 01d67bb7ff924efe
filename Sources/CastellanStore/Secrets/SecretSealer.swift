import Crypto
import Foundation

/// Seals and opens secrets with AES-256-GCM under a ``MasterKey``.
///
/// The sealed form is `version (1 byte, 0x01) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`. The
/// context (the device id) is authenticated as associated data, so a sealed secret copied onto
/// another device's row fails to open just like a flipped bit does.
public struct SecretSealer: Sendable {
    private static let version: UInt8 = 0x01
    private let key: MasterKey

    /// A sealer for `key`.
    public init(key: MasterKey) { self.key = key }

    /// Seals `plaintext`, bound to `context`, with a fresh random nonce.
    public func seal(_ plaintext: [UInt8], context: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: key.key, authenticating: Array(context.utf8))
        return [Self.version] + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
    }

    /// Opens a sealed secret; throws ``StoreError/sealedSecretRejected(_:fileID:line:)`` when the
    /// bytes were altered, belong to another context, or were sealed under another key.
    public func open(_ sealed: [UInt8], context: String) throws(StoreError) -> [UInt8] {
        guard sealed.count >= 1 + 12 + 16, sealed[0] == Self.version else { throw .sealedSecretRejected(context) }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: sealed[1..<13]),
                ciphertext: sealed[13..<(sealed.count - 16)],
                tag: sealed[(sealed.count - 16)...])
            return Array(try AES.GCM.open(box, using: key.key, authenticating: Array(context.utf8)))
        } catch {
            throw .sealedSecretRejected(context)
        }
    }
}
