import NIOCore

/// Hands every decoded packet to the client's reader task through an async stream.
///
/// The stream ends when the connection does, with the error that ended it if any (a codec
/// error, a TLS failure, a keep-alive timeout); an error also closes the channel.
final class MQTTInboundForwarder: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    private let continuation: AsyncThrowingStream<MQTTPacket, any Error>.Continuation

    init(continuation: AsyncThrowingStream<MQTTPacket, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
