import NIOCore

/// Hands every decoded packet to the client as it is read, and the connection's end once.
///
/// The client's actor runs on this channel's event loop, so the packet is handed over in the
/// same call, with no task or stream between (each would be a thread hop, `MQTTClient`). The
/// end comes with the error that caused it if any (a codec error, a TLS failure, a keep-alive
/// timeout); an error also closes the channel. `ended` is succeeded after the client has
/// heard of the end, so whoever awaits it knows the client has seen its last packet.
final class MQTTInboundForwarder: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    private let client: MQTTClient
    private let ended: EventLoopPromise<Void>
    private var hasEnded = false

    init(client: MQTTClient, ended: EventLoopPromise<Void>) {
        self.client = client
        self.ended = ended
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !hasEnded else { return }
        client.received(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(error)
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        end(nil)
    }

    private func end(_ error: (any Error)?) {
        guard !hasEnded else { return }
        hasEnded = true
        client.channelEnded(error)
        ended.succeed()
    }
}
