import CastellanAuth
import Crypto

/// The 256-bit key that seals every TOTP secret at rest (AES-256-GCM).
///
/// Kept in its own file (`master_key_file`), raw 32 bytes, mode 0600, apart from the database:
/// a copied database alone reveals no TOTP secret. `description` is redacted.
public struct MasterKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key length in bytes.
    public static let byteCount = 32

    /// The key, for the sealer.
    let key: SymmetricKey
    /// The file it was loaded from, to name in errors; `nil` for a key made in memory.
    public private(set) var file: String?

    /// Wraps exactly 32 bytes; anything else is refused.
    public init(bytes: [UInt8]) throws(StoreError) {
        guard bytes.count == Self.byteCount else {
            throw .masterKey("expected \(Self.byteCount) bytes, found \(bytes.count)")
        }
        key = SymmetricKey(data: bytes)
    }

    /// A fresh key from `entropy`.
    public static func generate(using entropy: any EntropySource = SystemEntropy()) throws -> MasterKey {
        try MasterKey(bytes: entropy.bytes(byteCount))
    }

    /// Loads the key file; refuses a missing file, a wrong size, or a mode open to group or others.
    public static func load(from path: String) throws(StoreError) -> MasterKey {
        let bytes: [UInt8]
        do { bytes = try SecretFile.read(path) } catch { throw .masterKey(error.description) }
        do {
            var key = try MasterKey(bytes: bytes)
            key.file = path
            return key
        } catch {
            throw .masterKey("\(path): \(error.description)")
        }
    }

    /// Writes the key to a new file with mode 0600; refuses an existing file.
    public func create(at path: String) throws(SecretFile.Failure) {
        try SecretFile.create(path, bytes: bytes)
    }

    /// Replaces the key file atomically (mode 0600), for rotation.
    public func replace(at path: String) throws(SecretFile.Failure) {
        try SecretFile.replace(path, bytes: bytes)
    }

    var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// A value the store keeps to recognise its key: the first 16 bytes of HMAC-SHA256 over a
    /// fixed label. It says nothing about the key but whether a candidate is the same one, so a
    /// service or CLI given another setup's key refuses to start instead of failing every TOTP
    /// device one by one.
    var checkValue: [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array("castellan master key check v1".utf8), using: key).prefix(16))
    }

    /// A 32-byte key for one `purpose`, derived with HKDF-SHA256: the same for as long as the
    /// master key is (across restarts and reloads), and telling nothing about the master key or
    /// about the keys of other purposes.
    public func derivedKey(for purpose: String) -> [UInt8] {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array(purpose.utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
    }

    public var description: String { "MasterKey(256 bits, redacted)" }
    public var debugDescription: String { description }
}
