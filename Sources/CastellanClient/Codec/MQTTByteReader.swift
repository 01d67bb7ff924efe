/// Reads MQTT wire types from a packet body, throwing (never trapping) on short or bad input.
struct MQTTByteReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - index }
    var isAtEnd: Bool { index >= bytes.endIndex }

    mutating func byte() throws(MQTTCodecError) -> UInt8 {
        guard index < bytes.endIndex else { throw .truncated("expected a byte") }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func uint16() throws(MQTTCodecError) -> UInt16 {
        UInt16(try byte()) << 8 | UInt16(try byte())
    }

    mutating func uint32() throws(MQTTCodecError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 { value = value << 8 | UInt32(try byte()) }
        return value
    }

    /// A variable byte integer: at most 4 bytes, so at most 268,435,455.
    mutating func variableInteger() throws(MQTTCodecError) -> Int {
        var value = 0
        for position in 0..<4 {
            let next = try byte()
            value |= Int(next & 0x7F) << (7 * position)
            if next & 0x80 == 0 { return value }
        }
        throw .malformedVariableByteInteger("variable byte integer longer than 4 bytes")
    }

    mutating func bytes(_ count: Int) throws(MQTTCodecError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw .truncated("field of \(count) bytes, \(remaining) left") }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// Binary data: a 2-byte length, then the bytes.
    mutating func binary() throws(MQTTCodecError) -> [UInt8] {
        Array(try bytes(Int(try uint16())))
    }

    /// A UTF-8 string: valid UTF-8 and no U+0000 (MQTT 5 §1.5.4).
    mutating func string() throws(MQTTCodecError) -> String {
        let raw = try bytes(Int(try uint16()))
        guard !raw.contains(0) else { throw .invalidUTF8("string holds U+0000") }
        guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8("string is not valid UTF-8") }
        return text
    }

    mutating func rest() -> [UInt8] {
        defer { index = bytes.endIndex }
        return Array(bytes[index...])
    }

    func expectEnd(_ packet: String) throws(MQTTCodecError) {
        guard isAtEnd else { throw .protocolViolation("\(remaining) trailing bytes in \(packet)") }
    }
}
