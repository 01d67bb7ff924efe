import NIOCore

/// Splits the byte stream into frames and decodes each one sent by `direction`.
///
/// A length outside the protocol's range is refused as soon as its 4 bytes arrive, so a peer
/// cannot make us buffer more than one maximum frame. The first error is passed down the
/// pipeline (the session ends on it, closing the connection) and everything after it is dropped.
///
/// Why not NIO's `ByteToMessageHandler`: its buffering state machine cost more of a cached
/// connect than the decoding, and this protocol needs none of it — a frame says its length
/// first, and a read that holds whole frames (the usual case) is decoded in place.
final class BridgeFrameReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = BridgeFrame

    private let direction: BridgeDirection
    /// The start of a frame whose rest has not arrived yet.
    private var partial: ByteBuffer?
    private var failed = false

    init(decoding direction: BridgeDirection) { self.direction = direction }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = unwrapInboundIn(data)
        if var held = partial {
            partial = nil
            held.writeBuffer(&buffer)
            buffer = held
        }
        do {
            while let frame = try Self.next(from: &buffer, direction: direction) {
                context.fireChannelRead(wrapInboundOut(frame))
            }
        } catch {
            failed = true
            context.fireErrorCaught(error)
            return
        }
        if buffer.readableBytes > 0 {
            buffer.discardReadBytes()
            partial = buffer
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !failed, let partial, partial.readableBytes > 0 {
            failed = true
            context.fireErrorCaught(BridgeFrameError.truncated)
        }
        partial = nil
        context.fireChannelInactive()
    }

    /// The next whole frame at the front of `buffer`, consumed; `nil` while it is incomplete.
    static func next(from buffer: inout ByteBuffer, direction: BridgeDirection) throws(BridgeFrameError) -> BridgeFrame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length >= BridgeFrame.headerLength, length <= BridgeFrame.maxBodyLength else {
            throw .badLength(Int(length))
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        let body = buffer.readBytes(length: Int(length))!  // length checked just above
        return try BridgeFrame.decode(body: body, from: direction)
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
    /// connection also a closed ``FastLane``, ahead of the encoder: it writes its answers as
    /// bytes — and wraps the channel for async use. Call on the channel's event loop (in a
    /// bootstrap initializer).
    public func bridgeAsyncChannel(decoding direction: BridgeDirection) throws -> NIOAsyncChannel<BridgeFrame, BridgeFrame> {
        try pipeline.syncOperations.addHandler(BridgeFrameReader(decoding: direction))
        if direction == .plugin { try pipeline.syncOperations.addHandler(FastLaneHandler(FastLane())) }
        try pipeline.syncOperations.addHandler(MessageToByteHandler(BridgeFrameEncoder()))
        return try NIOAsyncChannel(wrappingChannelSynchronously: self)
    }
}
