import NIOCore

/// Writes packets with ``MQTTPacket/encode(version:)``.
struct MQTTPacketEncoder: MessageToByteEncoder {
    typealias OutboundIn = MQTTPacket
    let version: MQTTProtocolVersion

    func encode(data: MQTTPacket, out: inout ByteBuffer) throws {
        out.writeBytes(try data.encode(version: version))
    }
}
