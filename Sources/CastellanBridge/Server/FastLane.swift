import NIOCore
import Synchronization

/// Handles, inside the channel pipeline, every frame that needs no waiting — a PING, a
/// DISCONNECT notification, the bookkeeping of a SESSIONS report and of each request, and the
/// requests and SCRAM steps a handler decides at once (``BridgeRequestHandler/decideAtOnce(_:from:)``) — so the
/// frame loop gets only what must wait: the requests to decide the usual way, and the reports to
/// re-check.
///
/// Why in the pipeline and not in the frame loop: a frame that reaches the loop has been handed
/// through NIO's async channel (a producer's buffer, a task resumed on the event loop) and a
/// reply from there through the async writer (a state machine under a lock, then the loop) —
/// measured, more of the service's CPU per cached connect than deciding it, and ~12 µs more
/// for the DISCONNECT that follows every connect. Here a decided request costs the decoder,
/// the decision and one write, flushed once per read.
///
/// The handler's inline calls (``BridgeRequestHandler/deciding(_:from:)``,
/// ``BridgeRequestHandler/connectionClosed(_:generation:on:)``,
/// ``BridgeRequestHandler/connectionsResumed(_:on:)``) are made here in wire order, which is
/// the order they need (a DISCONNECT right behind a request is seen after it). Each frame passed
/// on says whether its calls were made (``passedOn(handled:)``, ``takeHandled()``), so the frame
/// loop makes those calls itself for the frames that came before the lane opened — the HELLO,
/// and anything a plugin sends before its HELLO_ACK — and never twice.
///
/// Opened by ``BrokerSession`` after the handshake with the broker's link; closed when the
/// session ends.
final class FastLane: Sendable {
    private let state = Mutex(State())

    private struct State: Sendable {
        var target: (handler: any BridgeRequestHandler, broker: BrokerLink)?
        /// For each frame passed on to the frame loop and not taken yet: whether it was handled here.
        var handled = CircularBuffer<Bool>()
    }

    func open(_ handler: any BridgeRequestHandler, broker: BrokerLink) {
        state.withLock { $0.target = (handler, broker) }
    }

    func close() { state.withLock { $0.target = nil } }

    fileprivate var target: (handler: any BridgeRequestHandler, broker: BrokerLink)? { state.withLock { $0.target } }

    fileprivate func passedOn(handled: Bool) { state.withLock { $0.handled.append(handled) } }

    /// Whether the next frame the frame loop takes was handled here (its inline calls made).
    func takeHandled() -> Bool { state.withLock { $0.handled.popFirst() ?? false } }
}

/// The pipeline's end of a ``FastLane``, between the frame reader and the encoder.
final class FastLaneHandler: ChannelInboundHandler {
    typealias InboundIn = BridgeFrame
    typealias InboundOut = BridgeFrame
    typealias OutboundOut = ByteBuffer

    let lane: FastLane
    /// Answers written in this read and not yet flushed.
    private var unflushed = false

    init(_ lane: FastLane) { self.lane = lane }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let (handler, broker) = lane.target else {
            lane.passedOn(handled: false)
            context.fireChannelRead(data)
            return
        }
        switch frame.message {
        case .ping:
            answer(BridgeFrame(id: frame.id, .pong), context: context)
        case .disconnect(let connection, let generation):
            handler.connectionClosed(connection, generation: generation, on: broker)
        case .basicAuth(let request):
            answer(handler.decideAtOnce(request, from: broker), or: .basic(request), frame, data, handler, broker, context: context)
        case .extAuth(let request):
            answer(handler.decideAtOnce(request, from: broker), or: .enhanced(request), frame, data, handler, broker, context: context)
        case .sessions(let report):
            handler.connectionsResumed(report, on: broker)
            passOn(data, context: context)
        case .hello, .helloAck, .pong, .decision, .kick, .setRules, .publish:
            lane.passedOn(handled: false)  // the frame loop refuses them
            context.fireChannelRead(data)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Answers `request` with `decision` if it was decided at once; else passes it on, to be decided the usual way.
    private func answer(_ decision: BridgeDecision?, or request: BridgeAuthRequest, _ frame: BridgeFrame, _ data: NIOAny,
                        _ handler: any BridgeRequestHandler, _ broker: BrokerLink, context: ChannelHandlerContext) {
        if var decision {
            decision.generation = request.generation  // the echo the plugin matches against its connection
            answer(BridgeFrame(id: frame.id, .decision(decision)), context: context)
        } else {
            handler.deciding(request, from: broker)
            passOn(data, context: context)
        }
    }

    private func passOn(_ data: NIOAny, context: ChannelHandlerContext) {
        lane.passedOn(handled: true)
        context.fireChannelRead(data)
    }

    /// Written as bytes: the handler sits ahead of the frame encoder, which the frame loop's writes pass.
    private func answer(_ frame: BridgeFrame, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: frame.encoded())), promise: nil)
        unflushed = true
    }
}
