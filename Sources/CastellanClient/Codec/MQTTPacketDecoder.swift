/// Turns bytes from the broker into packets: pure, no I/O, never traps.
///
/// Feed it what has arrived; it answers `nil` until a whole packet is there, then the packet
/// and how many bytes it used. Anything malformed — a variable length over 4 bytes, a packet
/// over ``maximumPacketSize``, bad flags, bad UTF-8, a property out of place — throws
/// ``MQTTCodecError``; the connection must then be closed, since framing is lost.
public struct MQTTPacketDecoder: Sendable {
    /// The version agreed in CONNECT; decides whether properties and reason codes are read.
    public var version: MQTTProtocolVersion
    /// The largest whole packet accepted (fixed header included); larger ones are refused as
    /// soon as their length is known, before they are buffered. Default 1 MiB.
    public var maximumPacketSize: Int

    /// A decoder for `version` with a size limit.
    public init(version: MQTTProtocolVersion, maximumPacketSize: Int = 1 << 20) {
        self.version = version
        self.maximumPacketSize = maximumPacketSize
    }

    /// The total length of the packet starting at `bytes`, once its fixed header is complete.
    ///
    /// - Returns: `nil` when more bytes are needed to know the length.
    /// - Throws: a malformed length, or a packet over ``maximumPacketSize``.
    public func frameLength(_ bytes: some Collection<UInt8>) throws(MQTTCodecError) -> Int? {
        var length = 0
        guard !bytes.isEmpty else { return nil }
        var index = bytes.index(after: bytes.startIndex)
        for position in 0..<4 {
            guard index < bytes.endIndex else { return nil }
            let next = bytes[index]
            length |= Int(next & 0x7F) << (7 * position)
            index = bytes.index(after: index)
            if next & 0x80 == 0 {
                let total = 2 + position + length
                guard total <= maximumPacketSize else {
                    throw .packetTooLarge("packet of \(total) bytes over the limit of \(maximumPacketSize)")
                }
                return total
            }
        }
        throw .malformedVariableByteInteger("remaining length longer than 4 bytes")
    }

    /// Decodes the first packet of `bytes`.
    ///
    /// - Returns: the packet and the bytes it used, or `nil` when it is not complete yet.
    public func decode(_ bytes: ArraySlice<UInt8>) throws(MQTTCodecError) -> (packet: MQTTPacket, byteCount: Int)? {
        guard let total = try frameLength(bytes), bytes.count >= total else { return nil }
        let first = bytes[bytes.startIndex]
        var header = MQTTByteReader(bytes[bytes.startIndex..<(bytes.startIndex + total)])
        _ = try header.byte()
        _ = try header.variableInteger()
        var reader = MQTTByteReader(try header.bytes(header.remaining))
        return (try decodeBody(type: first >> 4, flags: first & 0x0F, reader: &reader), total)
    }

    /// Decodes one whole packet; trailing bytes are an error.
    public func decodePacket(_ bytes: [UInt8]) throws(MQTTCodecError) -> MQTTPacket {
        guard let (packet, count) = try decode(bytes[...]) else { throw .truncated("incomplete packet") }
        guard count == bytes.count else { throw .protocolViolation("bytes after the packet") }
        return packet
    }

    private func decodeBody(type: UInt8, flags: UInt8, reader: inout MQTTByteReader) throws(MQTTCodecError) -> MQTTPacket {
        let expectedFlags: UInt8 = (type == 8 || type == 10) ? 0x02 : 0
        if type != 3 {
            guard flags == expectedFlags else { throw .invalidFlags("fixed-header flags \(flags) for packet type \(type)") }
        }
        switch type {
        case 1: return .connect(try MQTTConnect.decode(from: &reader))
        case 2: return .connack(try MQTTConnAck.decode(from: &reader, version: version))
        case 3: return .publish(try MQTTPublish.decode(flags: flags, from: &reader, version: version))
        case 4: return .puback(try MQTTPubAck.decode(from: &reader, version: version))
        case 8: return .subscribe(try MQTTSubscribe.decode(from: &reader, version: version))
        case 9: return .suback(try MQTTSubAck.decode(from: &reader, version: version))
        case 10: return .unsubscribe(try MQTTUnsubscribe.decode(from: &reader, version: version))
        case 11: return .unsuback(try MQTTUnsubAck.decode(from: &reader, version: version))
        case 12, 13:
            try reader.expectEnd(type == 12 ? "PINGREQ" : "PINGRESP")
            return type == 12 ? .pingreq : .pingresp
        case 14: return .disconnect(try MQTTDisconnect.decode(from: &reader, version: version))
        case 15: return .auth(try MQTTAuth.decode(from: &reader, version: version))
        default: throw .unsupportedPacketType("packet type \(type)")
        }
    }
}
