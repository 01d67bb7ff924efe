import NIOCore
import Synchronization

/// What the service does with a broker's requests. A decision is a value: failing closed
/// (deny on any doubt) is the handler's duty, and it must always answer.
public protocol BridgeRequestHandler: Sendable {
    /// A broker finished the handshake.
    func brokerConnected(_ broker: BrokerLink) async
    /// A request arrived; its ``decide(_:from:)`` follows. Called inline as the frame arrives
    /// (in the channel pipeline, ``FastLane``), in order with the broker's other frames — so a
    /// DISCONNECT right behind it on the wire is seen after this, even if the decision takes
    /// longer: it must not wait.
    func deciding(_ request: BridgeAuthRequest, from broker: BrokerLink)
    /// Decides one authentication step.
    func decide(_ request: BridgeAuthRequest, from broker: BrokerLink) async -> BridgeDecision
    /// Decides a username/password step at once if that needs no waiting at all (a cache hit);
    /// `nil` sends it the usual way (``deciding(_:from:)``, then ``decide(_:from:)``). Called in
    /// the channel pipeline on the link's event loop (``FastLane``), as the frame arrives, so
    /// before the frame loop sees the frames behind it. It must not wait, and must not do for
    /// a `nil` what the usual way does again.
    func decideAtOnce(_ request: BasicAuthRequest, from broker: BrokerLink) -> BridgeDecision?
    /// The same for an enhanced-authentication step (a SCRAM exchange of a device whose last
    /// allow is remembered): answered at once, or `nil` for the usual way, under the same terms.
    func decideAtOnce(_ request: ExtAuthRequest, from broker: BrokerLink) -> BridgeDecision?
    /// The plugin reports that a client connection is gone. Called inline as the frame arrives,
    /// in order with the broker's other frames (one per connect, so no task of its own): it must
    /// not wait.
    func connectionClosed(_ connection: UInt64, generation: UInt64, on broker: BrokerLink)
    /// The plugin reports live connections it admitted earlier (after the handshake, so across
    /// a service restart or a dropped link). Called inline as the frame arrives, in order with
    /// the broker's other frames — so a later DISCONNECT of one of them is seen after it: it
    /// must not wait. Whatever is slow (re-checking against the store) goes in ``recheck(_:on:)``.
    func connectionsResumed(_ report: SessionReport, on broker: BrokerLink)
    /// Re-checks resumed connections (kick or push current rules); runs beside the frame loop,
    /// one report after the other, in the order they arrived.
    func recheck(_ report: SessionReport, on broker: BrokerLink) async
    /// The broker's connection ended; its clients' sessions are unknown from now on.
    func brokerDisconnected(_ broker: BrokerLink) async
}

extension BridgeRequestHandler {
    /// No fast lane: every request goes the usual way.
    public func decideAtOnce(_ request: BasicAuthRequest, from broker: BrokerLink) -> BridgeDecision? { nil }
    public func decideAtOnce(_ request: ExtAuthRequest, from broker: BrokerLink) -> BridgeDecision? { nil }
}

/// An authentication step from a broker.
public enum BridgeAuthRequest: Sendable, Hashable {
    case basic(BasicAuthRequest)
    case enhanced(ExtAuthRequest)

    /// The plugin's handle of the client connection.
    public var connection: UInt64 {
        switch self {
        case .basic(let request): request.connection
        case .enhanced(let request): request.connection
        }
    }

    /// The plugin's generation of that connection.
    public var generation: UInt64 {
        switch self {
        case .basic(let request): request.generation
        case .enhanced(let request): request.generation
        }
    }
}

/// One connected broker, as the service sees it: its name and a way to push to it.
public final class BrokerLink: Sendable, Hashable, CustomStringConvertible {
    /// Distinguishes connections of brokers that share a name (a broker that reconnected).
    public let session: UInt64
    /// `plugin_opt_broker_id`.
    public let brokerID: String
    private let outbound: NIOAsyncChannelOutboundWriter<BridgeFrame>

    private static let sessions = Atomic<UInt64>(0)

    init(brokerID: String, outbound: NIOAsyncChannelOutboundWriter<BridgeFrame>) {
        self.session = Self.sessions.add(1, ordering: .relaxed).newValue
        self.brokerID = brokerID
        self.outbound = outbound
    }

    /// Sends a push (``BridgeMessage/kick(connection:generation:)``,
    /// ``BridgeMessage/setRules(connection:generation:rules:)``).
    /// Throws when the broker's connection is gone.
    public func push(_ message: BridgeMessage) async throws {
        try await outbound.write(BridgeFrame(id: 0, message))
    }

    public var description: String { "\(brokerID)#\(session)" }
    public static func == (lhs: BrokerLink, rhs: BrokerLink) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// Why a broker session ended other than by the broker closing it.
public enum BrokerSessionError: Error, Sendable, Hashable, CustomStringConvertible {
    case handshake(String)
    case unexpected(String)

    public var description: String {
        switch self {
        case .handshake(let detail): "bridge handshake failed: \(detail)"
        case .unexpected(let detail): "unexpected frame: \(detail)"
        }
    }
}

/// Serves one plugin connection: the handshake, then every request concurrently.
public enum BrokerSession {
    /// Runs until the broker closes the connection (returns) or sends something malformed
    /// (throws; the connection is closed). Requests still being decided when it ends are
    /// answered into a closed channel, which the plugin has stopped waiting for anyway.
    ///
    /// The frame loop runs on the channel's event loop thread; each request is decided on the
    /// lane ``DecisionThreads/lane(arrivingOn:)`` picks — the channel's own thread unless it is
    /// busier than another — so one broker's requests in flight are decided on every thread.
    /// Replies go out as each decision is made, from whichever thread made it: the plugin
    /// matches them by request id, not by order (NIO's outbound writer takes writes from any
    /// thread and hands them to the channel's loop in the order they were made).
    public static func run(_ channel: BridgeChannel, threads: DecisionThreads, handler: some BridgeRequestHandler) async throws {
        let loop = channel.channel.eventLoop
        let home = threads.lane(of: loop).map(threads.executor) ?? EventLoopTaskExecutor(loop)
        try await withTaskExecutorPreference(home) {
            try await serve(channel, link: Link(threads: threads, loop: loop), handler: handler)
        }
    }

    /// Where a session's requests are decided.
    private struct Link: Sendable {
        let threads: DecisionThreads
        /// The channel's event loop, where its frames arrive.
        let loop: any EventLoop
    }

    private static func serve(_ channel: BridgeChannel, link: Link, handler: some BridgeRequestHandler) async throws {
        let fastLane = try? await channel.channel.pipeline.handler(type: FastLaneHandler.self).map(\.lane).get()
        try await channel.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            guard let hello = try await frames.next() else { return }
            _ = fastLane?.takeHandled()  // not handled: the lane is not open yet
            guard case .hello(let version, let brokerID) = hello.message else {
                throw BrokerSessionError.handshake("first frame is not HELLO")
            }
            guard version == BridgeFrame.version else {
                throw BrokerSessionError.handshake("plugin speaks version \(version), we speak \(BridgeFrame.version)")
            }
            try await outbound.write(BridgeFrame(id: hello.id, .helloAck(version: BridgeFrame.version)))
            let broker = BrokerLink(brokerID: brokerID, outbound: outbound)
            await handler.brokerConnected(broker)
            fastLane?.open(handler, broker: broker)
            defer { fastLane?.close() }
            do {
                try await serve(&frames, broker: broker, outbound: outbound, link: link, fastLane: fastLane, handler: handler)
            } catch {
                await handler.brokerDisconnected(broker)
                throw error
            }
            await handler.brokerDisconnected(broker)
        }
    }

    private static func serve(
        _ frames: inout NIOAsyncChannelInboundStream<BridgeFrame>.AsyncIterator, broker: BrokerLink,
        outbound: NIOAsyncChannelOutboundWriter<BridgeFrame>, link: Link, fastLane: FastLane?, handler: some BridgeRequestHandler
    ) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            // Reports are re-checked one after the other, beside the frame loop: the last one's
            // re-check ends the resync only once the earlier ones' have.
            let (reports, reported) = AsyncStream.makeStream(of: SessionReport.self)
            defer { reported.finish() }
            group.addTask { for await report in reports { await handler.recheck(report, on: broker) } }
            while let frame = try await frames.next() {
                // Handled in the pipeline (``FastLane``): its inline calls are made already.
                let handled = fastLane?.takeHandled() ?? false
                let id = frame.id
                let request: BridgeAuthRequest
                switch frame.message {
                case .ping:
                    try await outbound.write(BridgeFrame(id: id, .pong))
                    continue
                case .basicAuth(let basic):
                    request = .basic(basic)
                case .extAuth(let enhanced):
                    request = .enhanced(enhanced)
                case .disconnect(let connection, let generation):
                    handler.connectionClosed(connection, generation: generation, on: broker)
                    continue
                case .sessions(let report):
                    if !handled { handler.connectionsResumed(report, on: broker) }
                    reported.yield(report)
                    continue
                case .hello:
                    throw BrokerSessionError.unexpected("a second HELLO")
                case .helloAck, .pong, .decision, .kick, .setRules, .publish:
                    throw BrokerSessionError.unexpected("a service message from the plugin")  // the decoder refuses these
                }
                if !handled { handler.deciding(request, from: broker) }
                let threads = link.threads
                let lane = threads.lane(arrivingOn: link.loop)
                threads.begin(lane)
                group.addTask(executorPreference: threads.executor(lane)) {
                    await answer(request, id: id, broker: broker, outbound: outbound, handler: handler) { threads.end(lane) }
                }
            }
        }
    }

    private static func answer(
        _ request: BridgeAuthRequest, id: UInt32, broker: BrokerLink,
        outbound: NIOAsyncChannelOutboundWriter<BridgeFrame>, handler: some BridgeRequestHandler, decided: () -> Void
    ) async {
        var decision = await handler.decide(request, from: broker)
        // No longer in flight before the reply leaves: a broker that asks one question at a time
        // (mosquitto 2.0) sends the next right after reading this reply, and that one must find
        // this lane idle and stay on its link's thread, not hop to another.
        decided()
        decision.generation = request.generation  // the echo the plugin matches against its connection
        // The broker may be gone; it then denies on its own, so a failed write loses nothing.
        try? await outbound.write(BridgeFrame(id: id, .decision(decision)))
    }
}
