import Crypto

/// HMAC-based one-time passwords (RFC 4226), the counter-driven core of ``TOTP``.
///
/// The HMAC key schedule (the inner and outer padded key blocks) is computed once at
/// initialisation, so each code costs two hash compressions plus the counter block; this is
/// what keeps TOTP verification in the hundreds of thousands per second per core.
public struct HOTP: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Accepted code lengths (RFC 4226 §5.3 asks for at least 6; more than 8 would exceed the
    /// 31-bit truncated value's safe precision for every hash).
    public static let digitsRange = 6...8

    /// The HMAC hash.
    public let algorithm: OTPAlgorithm
    /// The number of decimal digits in a code.
    public let digits: Int

    private let mac: KeyedMAC

    /// Prepares the HMAC key; throws ``OTPError/invalidDigits(_:fileID:line:)`` outside 6...8.
    public init(secret: TOTPSecret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6) throws(OTPError) {
        guard Self.digitsRange.contains(digits) else { throw .invalidDigits(digits) }
        self.algorithm = algorithm
        self.digits = digits
        self.mac = KeyedMAC(key: SymmetricKey(data: secret.bytes), algorithm: algorithm)
    }

    /// The code for `counter`, zero-padded to ``digits``.
    public func code(counter: UInt64) -> String {
        String(decoding: codeBytes(counter: counter), as: UTF8.self)
    }

    /// The code as a number (its decimal digits, left-padded with zeros, are the code).
    func value(counter: UInt64) -> UInt32 {
        truncatedValue(counter: counter) % Self.modulus(digits)
    }

    /// Reads a presented code: exactly ``digits`` ASCII digits, else `nil`. Its length and
    /// shape are not secret, so this may exit early.
    func parse(_ code: String) -> UInt32? {
        var value: UInt32 = 0
        var count = 0
        for byte in code.utf8 {
            guard count < digits, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt32(byte - UInt8(ascii: "0"))
            count += 1
        }
        return count == digits ? value : nil
    }

    /// The code as ASCII digit bytes.
    func codeBytes(counter: UInt64) -> [UInt8] {
        var value = self.value(counter: counter)
        var result = [UInt8](repeating: UInt8(ascii: "0"), count: digits)
        var index = digits
        while index > 0 {
            index -= 1
            result[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
        return result
    }

    /// RFC 4226 §5.3 dynamic truncation: 31 bits read at the offset named by the low nibble
    /// of the last MAC byte.
    func truncatedValue(counter: UInt64) -> UInt32 {
        mac.authenticate(counter: counter) { mac in
            let offset = Int(mac[mac.count - 1] & 0x0F)
            return UInt32(mac[offset] & 0x7F) << 24
                | UInt32(mac[offset + 1]) << 16
                | UInt32(mac[offset + 2]) << 8
                | UInt32(mac[offset + 3])
        }
    }

    private static func modulus(_ digits: Int) -> UInt32 {
        switch digits {
        case 6: 1_000_000
        case 7: 10_000_000
        default: 100_000_000
        }
    }

    public var description: String { "HOTP(\(algorithm), \(digits) digits)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["algorithm": algorithm, "digits": digits]) }
}

/// An HMAC whose key pads are already absorbed; copied per message, never mutated in place.
private enum KeyedMAC: Sendable {
    case sha1(HMAC<Insecure.SHA1>)
    case sha256(HMAC<SHA256>)
    case sha512(HMAC<SHA512>)

    init(key: SymmetricKey, algorithm: OTPAlgorithm) {
        switch algorithm {
        case .sha1: self = .sha1(HMAC(key: key))
        case .sha256: self = .sha256(HMAC(key: key))
        case .sha512: self = .sha512(HMAC(key: key))
        }
    }

    /// MACs the counter as 8 big-endian bytes (RFC 4226 §5.2) and hands the tag to `body`.
    func authenticate<R>(counter: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(of: counter.bigEndian) { message in
            switch self {
            case .sha1(var mac):
                mac.update(data: message)
                return mac.finalize().withUnsafeBytes(body)
            case .sha256(var mac):
                mac.update(data: message)
                return mac.finalize().withUnsafeBytes(body)
            case .sha512(var mac):
                mac.update(data: message)
                return mac.finalize().withUnsafeBytes(body)
            }
        }
    }
}
