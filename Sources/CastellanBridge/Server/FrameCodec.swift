import NIOCore

/// Splits the byte stream into frames and decodes each one sent by `direction`.
///
/// A length outside the protocol's range is refused as soon as its 4 bytes arrive, so a peer
/// cannot make us buffer more than one maximum frame. Any error closes the connection.
public struct BridgeFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = BridgeFrame

    private let direction: BridgeDirection

    public init(decoding direction: BridgeDirection) { self.direction = direction }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length >= BridgeFrame.headerLength, length <= BridgeFrame.maxBodyLength else {
            throw BridgeFrameError.badLength(Int(length))
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let body = buffer.readBytes(length: Int(length))!  // length checked just above
        context.fireChannelRead(wrapInboundOut(try BridgeFrame.decode(body: body, from: direction)))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes frames.
public struct BridgeFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = BridgeFrame

    public init() {}

    public func encode(data: BridgeFrame, out: inout ByteBuffer) throws {
        out.writeBytes(data.encoded())
    }
}

extension Channel {
    /// Adds the bridge framing for a peer that sends `direction` messages — for a plugin's
    /// connection also a closed ``FastLane`` — and wraps the channel for async use. Call on the
    /// channel's event loop (in a bootstrap initializer).
    public func bridgeAsyncChannel(decoding direction: BridgeDirection) throws -> NIOAsyncChannel<BridgeFrame, BridgeFrame> {
        try pipeline.syncOperations.addHandler(ByteToMessageHandler(BridgeFrameDecoder(decoding: direction)))
        try pipeline.syncOperations.addHandler(MessageToByteHandler(BridgeFrameEncoder()))
        if direction == .plugin { try pipeline.syncOperations.addHandler(FastLaneHandler(FastLane())) }
        return try NIOAsyncChannel(wrappingChannelSynchronously: self)
    }
}
