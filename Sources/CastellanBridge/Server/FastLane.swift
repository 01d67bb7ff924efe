import NIOCore
import Synchronization

/// Answers, inside the channel pipeline, the requests a handler can decide at once
/// (``BridgeRequestHandler/decideAtOnce(_:from:)``); every other frame goes on to the frame loop.
///
/// Why in the pipeline and not in the frame loop: a frame that reaches the loop has been
/// handed through NIO's async channel (a producer's buffer, a task resumed on the event loop)
/// and its reply through the async writer (a state machine under a lock, then the loop) —
/// measured, more of the service's CPU per cached connect than deciding it. Here a decided
/// request costs the decoder, the decision and one write, flushed once per read.
///
/// Opened by ``BrokerSession`` after the handshake with the broker's link; closed when the
/// session ends. Until then, and for anything the handler leaves, frames pass through in order.
final class FastLane: Sendable {
    private let target = Mutex<(handler: any BridgeRequestHandler, broker: BrokerLink)?>(nil)

    func open(_ handler: any BridgeRequestHandler, broker: BrokerLink) {
        target.withLock { $0 = (handler, broker) }
    }

    func close() { target.withLock { $0 = nil } }

    /// The decision, if the lane is open and the handler decides the request at once.
    func decision(for request: BasicAuthRequest) -> BridgeDecision? {
        guard let (handler, broker) = target.withLock({ $0 }) else { return nil }
        return handler.decideAtOnce(request, from: broker)
    }
}

/// The pipeline's end of a ``FastLane``, between the frame codec and the async channel.
final class FastLaneHandler: ChannelInboundHandler {
    typealias InboundIn = BridgeFrame
    typealias InboundOut = BridgeFrame
    typealias OutboundOut = BridgeFrame

    let lane: FastLane
    /// Answers written in this read and not yet flushed.
    private var unflushed = false

    init(_ lane: FastLane) { self.lane = lane }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard case .basicAuth(let request) = frame.message, var decision = lane.decision(for: request) else {
            context.fireChannelRead(data)
            return
        }
        decision.generation = request.generation  // the echo the plugin matches against its connection
        context.write(wrapOutboundOut(BridgeFrame(id: frame.id, .decision(decision))), promise: nil)
        unflushed = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }
}
