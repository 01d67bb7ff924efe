/// Writes MQTT wire types, refusing values that do not fit their field.
struct MQTTByteWriter {
    private(set) var bytes: [UInt8] = []

    /// The largest variable byte integer: 268,435,455.
    static let maximumVariableInteger = 268_435_455

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func uint16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    mutating func variableInteger(_ value: Int) throws(MQTTCodecError) {
        guard (0...Self.maximumVariableInteger).contains(value) else {
            throw .valueTooLarge("\(value) does not fit a variable byte integer")
        }
        var rest = value
        repeat {
            var next = UInt8(rest & 0x7F)
            rest >>= 7
            if rest > 0 { next |= 0x80 }
            bytes.append(next)
        } while rest > 0
    }

    mutating func binary(_ value: some Collection<UInt8>) throws(MQTTCodecError) {
        guard value.count <= Int(UInt16.max) else { throw .valueTooLarge("binary field over 65,535 bytes") }
        uint16(UInt16(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) throws(MQTTCodecError) {
        guard !value.utf8.contains(0) else { throw .invalidUTF8("string holds U+0000") }
        try binary(value.utf8)
    }

    mutating func append(_ value: [UInt8]) { bytes.append(contentsOf: value) }
}
