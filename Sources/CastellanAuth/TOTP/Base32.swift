/// RFC 4648 base32 (the standard alphabet `A-Z2-7`), as used for otpauth secrets.
///
/// Encoding is upper case without padding, the key-uri format's spelling. Decoding accepts
/// either case, with or without correct padding, and refuses everything else — whitespace,
/// misplaced `=`, impossible lengths, non-zero trailing bits — with a ``Base32Error``.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Encodes `bytes` as upper-case base32 without `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1F)])
            }
        }
        if bits > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes base32 text; never traps on any input.
    public static func decode(_ text: String) throws(Base32Error) -> [UInt8] {
        let input = Array(text.utf8)
        var end = input.count
        while end > 0, input[end - 1] == UInt8(ascii: "=") { end -= 1 }
        let padding = input.count - end

        var output: [UInt8] = []
        output.reserveCapacity(end * 5 / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for offset in 0..<end {
            let byte = input[offset]
            guard let value = Self.value(of: byte) else {
                switch byte {
                case UInt8(ascii: "="): throw .invalidPadding()
                case 0x09...0x0D, 0x20: throw .whitespace(offset: offset)
                default: throw .invalidCharacter(offset: offset)
                }
            }
            buffer = (buffer << 5) | UInt32(value)  // only the low 12 bits are ever read
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }

        guard [0, 2, 4, 5, 7].contains(end % 8) else { throw .invalidLength() }
        if padding > 0 {
            guard [1, 3, 4, 6].contains(padding), input.count % 8 == 0 else { throw .invalidPadding() }
        }
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else { throw .nonZeroTrailingBits() }
        return output
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a")
        case UInt8(ascii: "2")...UInt8(ascii: "7"): byte - UInt8(ascii: "2") + 26
        default: nil
        }
    }
}
