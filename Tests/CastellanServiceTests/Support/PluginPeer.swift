import CastellanBridge
import NIOCore
import NIOPosix
import Synchronization

/// The plugin's side of the bridge, in Swift: what the C plugin sends, for driving the service
/// directly. Pushes (KICK, SET_RULES) that arrive while waiting for a reply are kept in order.
actor PluginPeer {
    private let channel: BridgeChannel
    private let frames = FrameQueue()
    private var pushes: [BridgeMessage] = []
    /// Replies read while waiting for another one (the service answers in any order).
    private var replies: [UInt32: BridgeMessage] = [:]
    private var nextID: UInt32 = 1

    private init(channel: BridgeChannel) {
        self.channel = channel
        let frames = frames
        Task {
            do { for try await frame in channel.inbound { frames.put(frame) } } catch {}
            frames.finish()
        }
    }

    /// Connects and completes the handshake.
    static func connect(to path: String, brokerID: String = "test-broker") async throws -> PluginPeer {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture { try channel.bridgeAsyncChannel(decoding: .service) }
            }
        let peer = PluginPeer(channel: channel)
        let reply = try await peer.request(.hello(version: BridgeFrame.version, brokerID: brokerID))
        guard case .helloAck(BridgeFrame.version) = reply else { throw PeerError("handshake answered with \(reply)") }
        return peer
    }

    /// Connects, and sends `behind` right behind the HELLO in the same write — before the
    /// HELLO_ACK, which a plugin does not do — then completes the handshake. Returns the peer and
    /// the request ids of `behind` (0 for a notification).
    static func connect(to path: String, sendingRightBehindHello behind: [BridgeMessage]) async throws -> (PluginPeer, [UInt32]) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture { try channel.bridgeAsyncChannel(decoding: .service) }
            }
        let peer = PluginPeer(channel: channel)
        return (peer, try await peer.hello(sendingRightBehind: behind))
    }

    private func hello(sendingRightBehind behind: [BridgeMessage]) async throws -> [UInt32] {
        let helloID = nextID
        let ids = behind.enumerated().map { index, message -> UInt32 in
            switch message {
            case .disconnect, .sessions: 0  // notifications carry no id
            default: helloID + 1 + UInt32(index)
            }
        }
        nextID += 1 + UInt32(behind.count)
        let frames = [BridgeFrame(id: helloID, .hello(version: BridgeFrame.version, brokerID: "test-broker"))]
            + zip(behind, ids).map { BridgeFrame(id: $1, $0) }
        try await channel.outbound.write(contentsOf: frames)
        guard case .helloAck(BridgeFrame.version) = try await reply(to: helloID) else { throw PeerError("no HELLO_ACK") }
        return ids
    }

    /// Sends a request and returns its reply.
    func request(_ message: BridgeMessage) async throws -> BridgeMessage {
        try await reply(to: try await send(message))
    }

    /// Sends a request without waiting: the plugin on mosquitto 2.1 has many in flight. Its
    /// reply comes from ``reply(to:)`` or ``decision(for:)``.
    func send(_ message: BridgeMessage) async throws -> UInt32 {
        let id = nextID
        nextID += 1
        try await channel.outbound.write(BridgeFrame(id: id, message))
        return id
    }

    /// The reply to request `id` (waits for it), keeping replies to others for their turn.
    func reply(to id: UInt32) async throws -> BridgeMessage {
        if let kept = replies.removeValue(forKey: id) { return kept }
        while true {
            guard let frame = try await nextFrame() else { throw PeerError("service closed the connection") }
            if frame.id == id { return frame.message }
            if frame.id == 0 {
                if !frame.message.isSupervisionEvent { pushes.append(frame.message) }
            } else {
                replies[frame.id] = frame.message
            }
        }
    }

    /// The decision for request `id` (see ``reply(to:)``), its generation echo cleared.
    func decision(for id: UInt32) async throws -> BridgeDecision {
        guard case .decision(var decision) = try await reply(to: id) else { throw PeerError("expected a decision for request \(id)") }
        decision.generation = 0
        return decision
    }

    /// Sends a request and, right behind it on the wire, a notification; returns the request's
    /// decision as sent. The service thus sees the notification (a DISCONNECT) while it is still deciding.
    func decide(_ message: BridgeMessage, thenNotify note: BridgeMessage) async throws -> BridgeDecision {
        let id = nextID
        nextID += 1
        try await channel.outbound.write(contentsOf: [BridgeFrame(id: id, message), BridgeFrame(id: 0, note)])
        while true {
            guard let frame = try await nextFrame() else { throw PeerError("service closed the connection") }
            if frame.id == id, case .decision(let decision) = frame.message { return decision }
            if frame.id == 0, !frame.message.isSupervisionEvent { pushes.append(frame.message) }
        }
    }

    /// Sends an auth request and returns its decision — after checking, as the plugin does, that
    /// it echoes the request's generation; the echo is then cleared, so a refusal compares equal
    /// to ``BridgeDecision/deny``. (``request(_:)`` returns the decision as sent.)
    func decide(_ message: BridgeMessage) async throws -> BridgeDecision {
        let reply = try await request(message)
        guard case .decision(var decision) = reply else { throw PeerError("expected a decision, got \(reply)") }
        guard decision.generation == message.generation else {
            throw PeerError("decision for generation \(decision.generation), asked for \(message.generation)")
        }
        decision.generation = 0
        return decision
    }

    func notify(_ message: BridgeMessage) async throws {
        try await channel.outbound.write(BridgeFrame(id: 0, message))
    }

    /// The next push from the service (waits for it), other than the supervision events the
    /// service publishes whenever its tree changes.
    func nextPush() async throws -> BridgeMessage {
        if !pushes.isEmpty { return pushes.removeFirst() }
        while true {
            guard let frame = try await nextFrame() else { throw PeerError("service closed the connection") }
            if frame.id == 0, !frame.message.isSupervisionEvent { return frame.message }
        }
    }

    /// The next push other than a SET_RULES. A change committed before a session opened can be
    /// applied after it — the notifier follows the log a moment behind — and its re-check pushes
    /// the session's rules again (idempotent): a test waiting for a kick lets those pass.
    func nextPushBesidesRules() async throws -> BridgeMessage {
        while true {
            let push = try await nextPush()
            if case .setRules = push { continue }
            return push
        }
    }

    /// The next frame from the service; `nil` once it closed the connection. Throws when nothing
    /// came for 30 s: every wait here is for something the service owes.
    private func nextFrame() async throws -> BridgeFrame? {
        switch await frames.take(within: .seconds(30)) {
        case .frame(let frame): return frame
        case .finished: return nil
        case .timedOut: throw PeerError("nothing from the service within 30 s")
        }
    }

    func close() async {
        channel.outbound.finish()
        try? await channel.channel.close()
    }

    // NIO traps when an async channel's writer is dropped unfinished.
    deinit { channel.outbound.finish() }
}

struct PeerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension BridgeMessage {
    /// The generation of an auth request (0 for anything else).
    var generation: UInt64 {
        switch self {
        case .basicAuth(let request): request.generation
        case .extAuth(let request): request.generation
        default: 0
        }
    }

    static func password(_ connection: UInt64, generation: UInt64 = 1, client: String, username: String?, password: String?,
                         protocolLevel: MQTTProtocolLevel = .v5, address: String = "127.0.0.1") -> BridgeMessage {
        .basicAuth(BasicAuthRequest(connection: connection, generation: generation, protocolLevel: protocolLevel, address: address,
                                    clientID: Array(client.utf8), username: username.map { Array($0.utf8) },
                                    password: password.map { Array($0.utf8) }))
    }

    static func certificate(_ connection: UInt64, generation: UInt64 = 1, client: String, der: [UInt8], password: String? = nil) -> BridgeMessage {
        .basicAuth(BasicAuthRequest(connection: connection, generation: generation, protocolLevel: .v5, address: "127.0.0.1",
                                    clientID: Array(client.utf8), username: nil, password: password.map { Array($0.utf8) },
                                    certificate: der))
    }

    static func scram(_ connection: UInt64, step: ExtAuthRequest.Step, client: String, method: String = "SCRAM-SHA-256", data: [UInt8],
                      address: String = "127.0.0.1", listenerPort: UInt16 = 0) -> BridgeMessage {
        .extAuth(ExtAuthRequest(connection: connection, step: step, address: address, listenerPort: listenerPort, method: method,
                                clientID: Array(client.utf8), username: nil, data: data))
    }
}

/// Frames read off the channel by a background task, taken one at a time; `nil` once closed.
final class FrameQueue: Sendable {
    /// What a wait came to.
    enum Taken: Sendable {
        case frame(BridgeFrame)
        case finished
        case timedOut
    }

    private struct State {
        var frames: [BridgeFrame] = []
        var waiters: [(id: Int, continuation: CheckedContinuation<Taken, Never>)] = []
        var nextWaiter = 0
        var finished = false
    }

    private let state = Mutex(State())

    func put(_ frame: BridgeFrame) {
        let waiter = state.withLock { state -> CheckedContinuation<Taken, Never>? in
            if state.waiters.isEmpty { state.frames.append(frame); return nil }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: .frame(frame))
    }

    func finish() {
        let waiters = state.withLock { state -> [CheckedContinuation<Taken, Never>] in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(returning: .finished) }
    }

    /// The next frame, or `.timedOut` when none came within `limit`: a test waiting for a push
    /// that never comes fails, naming what it waited for, instead of hanging the whole run.
    func take(within limit: Duration) async -> Taken {
        await withCheckedContinuation { continuation in
            let waiting = state.withLock { state -> Taken? in
                if !state.frames.isEmpty { return .frame(state.frames.removeFirst()) }
                if state.finished { return .finished }
                let id = state.nextWaiter
                state.nextWaiter += 1
                state.waiters.append((id, continuation))
                Task { [weak self] in
                    try? await Task.sleep(for: limit)
                    let expired = self?.state.withLock { state in
                        state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
                    }
                    expired?.resume(returning: .timedOut)
                }
                return nil
            }
            if let waiting { continuation.resume(returning: waiting) }
        }
    }
}

extension BridgeMessage {
    /// A `PUBLISH` of a supervision event, which may arrive between any two other messages.
    var isSupervisionEvent: Bool {
        if case .publish = self { true } else { false }
    }
}
