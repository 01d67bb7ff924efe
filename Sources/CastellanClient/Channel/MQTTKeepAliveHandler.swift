import NIOCore

/// Sends PINGREQ every keep-alive interval once the connection is accepted, and closes the
/// connection when a PINGREQ is still unanswered at the next interval.
///
/// Lives on the event loop, so the timer dies with the channel: no task outlives the client.
/// The interval is the broker's Server Keep Alive when the CONNACK carries one, else the
/// client's own; 0 turns pinging off. PINGRESP packets are consumed here.
final class MQTTKeepAliveHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias InboundOut = MQTTPacket
    typealias OutboundOut = MQTTPacket

    private let keepAlive: UInt16
    private var timer: RepeatedTask?
    private var awaitingResponse = false

    init(keepAlive: UInt16) {
        self.keepAlive = keepAlive
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .pingresp:
            awaitingResponse = false
            return
        case .connack(let ack) where ack.isAccepted && timer == nil:
            start(context: context, seconds: ack.properties.serverKeepAlive ?? keepAlive)
        default:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    private func start(context: ChannelHandlerContext, seconds: UInt16) {
        guard seconds > 0 else { return }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let interval = TimeAmount.seconds(Int64(seconds))
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.handler.tick(context: bound.value.context)
        }
    }

    private func tick(context: ChannelHandlerContext) {
        guard !awaitingResponse else {
            stop()
            context.fireErrorCaught(MQTTClientError.keepAliveTimeout())
            return
        }
        awaitingResponse = true
        context.writeAndFlush(wrapOutboundOut(.pingreq), promise: nil)
    }

    private func stop() {
        timer?.cancel()
        timer = nil
    }
}
