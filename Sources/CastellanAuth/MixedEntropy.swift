import Crypto
import Foundation

/// The system CSPRNG with an extra source mixed in — never replaced by it.
///
/// For operators who want an external generator (a quantum RNG device, say) to contribute:
/// each request reads as many bytes from the extra source as it returns, and derives the
/// output with HKDF-SHA256 keyed by fresh CSPRNG bytes over the extra bytes. If the extra
/// source is weak or hostile, the output is still as strong as the CSPRNG; if it is short or
/// fails, the request throws: never a silent fallback.
public struct MixedEntropy: EntropySource {
    /// Reads `count` bytes from the extra source.
    public let extra: @Sendable (Int) throws -> [UInt8]
    private let system: any EntropySource

    public init(system: any EntropySource = SystemEntropy(), extra: @escaping @Sendable (Int) throws -> [UInt8]) {
        self.system = system
        self.extra = extra
    }

    /// Mixes in bytes read from the file or device at `path` (e.g. `/dev/qrng0`).
    public init(extraPath path: String, system: any EntropySource = SystemEntropy()) {
        self.init(system: system) { count in
            guard let handle = FileHandle(forReadingAtPath: path) else { throw MixedEntropyError("cannot open \(path)") }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: count)) ?? nil
            guard let data, data.count == count else {
                throw MixedEntropyError("\(path) gave \(data?.count ?? 0) of \(count) bytes")
            }
            return Array(data)
        }
    }

    public func bytes(_ count: Int) throws -> [UInt8] {
        guard count <= 255 * 32 else { throw MixedEntropyError("at most \(255 * 32) bytes per request (HKDF-SHA256)") }
        let seed = try system.bytes(32)
        let external = try extra(count)
        guard seed.count == 32, external.count == count else { throw MixedEntropyError("short read") }
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: seed + external), salt: Data("castellan-entropy".utf8),
            info: Data(), outputByteCount: count)
        return key.withUnsafeBytes { Array($0) }
    }
}

/// The extra entropy source failed or came up short.
public struct MixedEntropyError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
