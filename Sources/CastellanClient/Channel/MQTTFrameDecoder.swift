import NIOCore

/// Cuts the byte stream into packets with the pure ``MQTTPacketDecoder``.
///
/// The size limit is checked from the fixed header, so an oversized packet is refused before
/// it is buffered; any codec error closes the connection (the stream has lost its framing).
struct MQTTFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = MQTTPacket
    let decoder: MQTTPacketDecoder

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let total = try decoder.frameLength(buffer.readableBytesView), buffer.readableBytes >= total,
              let bytes = buffer.readBytes(length: total)
        else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(try decoder.decodePacket(bytes)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
