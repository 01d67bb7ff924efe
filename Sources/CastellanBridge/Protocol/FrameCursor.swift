/// Appends big-endian fields. `package`: the service encodes its session tag with it too.
package struct FrameWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    package mutating func u8(_ value: UInt8) { bytes.append(value) }

    package mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }

    package mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }

    package mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }

    package mutating func bytes(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// `nil` is written as the absent marker, length 0xFFFFFFFF.
    package mutating func optionalBytes(_ value: [UInt8]?) {
        guard let value else { return u32(FrameReader.absent) }
        bytes(value)
    }

    package mutating func string(_ value: String) { bytes(Array(value.utf8)) }
}

/// Reads big-endian fields; every read is bounds-checked before it happens.
package struct FrameReader {
    /// The length that marks an absent `opt-bytes` field.
    static let absent: UInt32 = 0xFFFF_FFFF

    private let buffer: [UInt8]
    private var offset = 0

    package init(_ buffer: [UInt8]) { self.buffer = buffer }

    package var remaining: Int { buffer.count - offset }

    package mutating func u8() throws(BridgeFrameError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return buffer[offset]
    }

    package mutating func u16() throws(BridgeFrameError) -> UInt16 {
        UInt16(truncatingIfNeeded: try integer(2))
    }

    package mutating func u32() throws(BridgeFrameError) -> UInt32 {
        UInt32(truncatingIfNeeded: try integer(4))
    }

    package mutating func u64() throws(BridgeFrameError) -> UInt64 { try integer(8) }

    private mutating func integer(_ width: Int) throws(BridgeFrameError) -> UInt64 {
        guard remaining >= width else { throw .truncated }
        var value: UInt64 = 0
        for index in offset..<(offset + width) { value = value << 8 | UInt64(buffer[index]) }
        offset += width
        return value
    }

    package mutating func optionalBytes() throws(BridgeFrameError) -> [UInt8]? {
        let length = try u32()
        if length == Self.absent { return nil }
        guard Int(length) <= remaining else { throw .truncated }
        defer { offset += Int(length) }
        return Array(buffer[offset..<(offset + Int(length))])
    }

    package mutating func bytes(_ field: String) throws(BridgeFrameError) -> [UInt8] {
        guard let value = try optionalBytes() else { throw .absentField(field) }
        return value
    }

    package mutating func string(_ field: String) throws(BridgeFrameError) -> String {
        let raw = try bytes(field)
        guard !raw.contains(0), let text = String(validating: raw, as: UTF8.self) else { throw .badString(field: field) }
        return text
    }
}
