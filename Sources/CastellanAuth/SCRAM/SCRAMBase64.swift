/// Standard base64 (RFC 4648 §4) as the SCRAM grammar writes it: padded, no whitespace.
///
/// Decoding is strict so one value has one spelling: wrong length, a character outside the
/// alphabet, misplaced padding and non-zero unused bits are all refused. Foundation's decoder
/// tolerates some of these, and a lenient decoder is one more parser to fuzz.
enum SCRAMBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let a = iterator.next() {
            let b = iterator.next(), c = iterator.next()
            let chunk = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
            output.append(alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(alphabet[Int(chunk >> 12 & 0x3F)])
            output.append(b == nil ? UInt8(ascii: "=") : alphabet[Int(chunk >> 6 & 0x3F)])
            output.append(c == nil ? UInt8(ascii: "=") : alphabet[Int(chunk & 0x3F)])
        }
        return output
    }

    static func encodeString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: encode(bytes), as: UTF8.self)
    }

    /// The decoded bytes, or `nil` when `text` is not canonical base64.
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8, C.Index == Int {
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var index = text.startIndex
        while index < text.endIndex {
            let isLast = index + 4 == text.endIndex
            let c0 = text[index], c1 = text[index + 1], c2 = text[index + 2], c3 = text[index + 3]
            index += 4
            let v0 = decodeTable[Int(c0)], v1 = decodeTable[Int(c1)]
            guard v0 != 0xFF, v1 != 0xFF else { return nil }
            let pad2 = c2 == UInt8(ascii: "="), pad3 = c3 == UInt8(ascii: "=")
            if pad2 || pad3 {
                // Padding only at the very end, and "x=" after a data char is not allowed.
                guard isLast, pad3, pad2 || decodeTable[Int(c2)] != 0xFF else { return nil }
            }
            let v2 = pad2 ? 0 : decodeTable[Int(c2)], v3 = pad3 ? 0 : decodeTable[Int(c3)]
            guard v2 != 0xFF, v3 != 0xFF else { return nil }
            let chunk = UInt32(v0) << 18 | UInt32(v1) << 12 | UInt32(v2) << 6 | UInt32(v3)
            output.append(UInt8(chunk >> 16 & 0xFF))
            if pad2 {
                guard chunk & 0xFFFF == 0 else { return nil }  // unused bits must be zero
            } else {
                output.append(UInt8(chunk >> 8 & 0xFF))
                if pad3 {
                    guard chunk & 0xFF == 0 else { return nil }
                } else {
                    output.append(UInt8(chunk & 0xFF))
                }
            }
        }
        return output
    }
}
