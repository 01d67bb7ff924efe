import CastellanAuth
import NIOCore
import NIOPosix
import NIOSSL
import X509

/// An MQTT 5.0 / 3.1.1 client on SwiftNIO that speaks enhanced authentication.
///
/// One client is one connection: ``connect()`` once, then ``publish(topic:payload:qos:retain:)``,
/// ``subscribe(_:)``, ``reauthenticate()``, and finally ``disconnect(reason:)`` or ``close()``.
/// Received messages arrive on ``messages``. Every operation waits at most
/// ``MQTTClientConfiguration/timeout``. The client owns its channel and the channel's
/// keep-alive timer; ``close()`` (also called by ``disconnect(reason:)`` and by a failed
/// connect) closes the channel, fails pending operations, finishes ``messages`` and waits until
/// the channel's end has reached the client, so nothing outlives it. Call ``close()`` when done:
/// an actor has no async deinit.
///
/// The actor runs on its connection's event loop: the channel hands each packet to it in the
/// same call, and its waits resume on that loop, so a connect is one thread's work and not a
/// wake-up of another thread for every hop (what a connect costs, `Benchmarks/README.md`).
public actor MQTTClient {
    /// The settings this client was made with.
    public nonisolated let configuration: MQTTClientConfiguration
    /// The event loop of this client's connection, and the actor's executor.
    public nonisolated let eventLoop: any EventLoop
    /// The loop as a serial executor, held: `unownedExecutor` does not keep it alive, and a loop
    /// other than NIO's own makes a new wrapper on every `executor` call.
    private nonisolated let executor: any SerialExecutor
    /// Messages from subscriptions, in arrival order; finishes when the connection ends.
    /// One consumer only. When nobody reads, the oldest beyond
    /// ``MQTTClientConfiguration/messageBufferSize`` are dropped (QoS 1 ones are acknowledged
    /// on arrival all the same).
    public nonisolated let messages: AsyncStream<MQTTMessage>
    private let messageContinuation: AsyncStream<MQTTMessage>.Continuation

    private var state = State.idle
    private var pendingAcks: [UInt16: EventLoopPromise<MQTTPacket>] = [:]
    private var controlWaiter: EventLoopPromise<MQTTPacket>?
    private var lastPacketIdentifier: UInt16 = 0
    private var brokerDisconnectReason: MQTTReasonCode?
    /// Why the connection ended, once it has: later writes report this rather than a bare I/O error.
    private var endReason: MQTTClientError?
    /// What this connection offers enhanced auth (the broker certificate's binding data over
    /// TLS), learnt at connect; re-authentications bind to the same.
    private var authenticationChannel = MQTTAuthenticationChannel()

    private enum State {
        case idle
        case connecting(Connection)
        case connected(Connection, authMethod: String?)
        case closed
    }

    private struct Connection {
        let channel: any Channel
        /// Succeeded once the client has heard that the connection ended (``MQTTInboundForwarder``).
        let ended: EventLoopFuture<Void>
    }

    /// A client for `configuration`; nothing happens on the network until ``connect()``.
    /// `eventLoop` carries the connection and runs the actor (default: one of NIO's shared loops;
    /// it must be a NIOPosix loop, as `ClientBootstrap` requires); callers isolated to the same
    /// loop reach the client without a thread hop.
    public init(configuration: MQTTClientConfiguration, eventLoop: (any EventLoop)? = nil) {
        self.configuration = configuration
        self.eventLoop = eventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        executor = self.eventLoop.executor
        let (stream, continuation) = AsyncStream<MQTTMessage>.makeStream(
            bufferingPolicy: .bufferingNewest(max(1, configuration.messageBufferSize)))
        messages = stream
        messageContinuation = continuation
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// `true` between an accepted CONNACK and the end of the connection.
    public var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    // MARK: Connect

    /// Opens the connection, logs in (password or enhanced authentication) and waits for CONNACK.
    ///
    /// - Returns: the accepted CONNACK's details.
    /// - Throws: `refused` with the broker's reason code (0x87/5 for a bad login, 0x8C for an
    ///   enhanced-auth method the broker lacks); `authentication_failed` when the mechanism
    ///   refuses the broker (a wrong SCRAM server signature); `timed_out`; `connection_failed`;
    ///   `invalid_state` on a second call. Every failure leaves the client closed. A connection
    ///   that ends right behind the accepted CONNACK still returns it, with the client closed
    ///   (``isConnected`` false, ``messages`` finished).
    public func connect() async throws(MQTTClientError) -> MQTTConnectResult {
        guard case .idle = state else { throw .invalidState("connect() may be called once") }
        if configuration.authentication != nil && configuration.protocolVersion != .v5 {
            state = .closed
            messageContinuation.finish()
            throw .invalidArgument("enhanced authentication needs MQTT 5")
        }
        await renewIfDue()
        let ended = eventLoop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await openChannel(ended)
        } catch {
            ended.succeed()  // no channel, or one that has already ended (a second success is ignored)
            state = .closed
            messageContinuation.finish()
            throw error
        }
        state = .connecting(Connection(channel: channel, ended: ended.futureResult))
        do {
            return try await logIn(channel)
        } catch {
            if error.code == .authenticationFailed || error.code == .protocolViolation {
                try? await write(.disconnect(MQTTDisconnect(reasonCode: .unspecifiedError)), channel: channel)
            }
            await close()
            throw error
        }
    }

    /// What the last renewal attempt before a connect gave: the new certificate, `nil` when none
    /// was due, or why it failed; `nil` before any attempt (or without ``MQTTClientConfiguration/renewal``).
    public private(set) var lastRenewal: Result<Certificate?, ESTClientError>?

    /// Renews the client certificate if it is due. A failed renewal does not stop the connect:
    /// the current certificate is still on disk and valid for a third of its life, and the next
    /// connect tries again.
    private func renewIfDue() async {
        guard let renewal = configuration.renewal else { return }
        guard let certificateFile = configuration.tls?.certificateFile, let keyFile = configuration.tls?.privateKeyFile else {
            lastRenewal = .failure(ESTClientError("renewal needs a TLS client certificate and key file"))
            return
        }
        do {
            lastRenewal = .success(try await renewal.renewIfDue(certificateFile: certificateFile, keyFile: keyFile))
        } catch {
            lastRenewal = .failure(error)
        }
    }

    private func logIn(_ channel: any Channel) async throws(MQTTClientError) -> MQTTConnectResult {
        if configuration.authentication != nil {
            authenticationChannel = MQTTAuthenticationChannel(tlsServerEndPoint: try await tlsServerEndPoint(channel))
        }
        var mechanism = try makeMechanism()
        var connect = MQTTConnect(
            protocolVersion: configuration.protocolVersion, clientID: configuration.clientID,
            cleanStart: configuration.cleanStart, keepAlive: configuration.keepAlive,
            username: configuration.username, password: configuration.password.map { Array($0.utf8) })
        if configuration.protocolVersion == .v5 {
            connect.properties.maximumPacketSize = UInt32(clamping: configuration.maximumPacketSize)
        }
        if var current = mechanism {
            connect.properties.authenticationMethod = current.method
            connect.properties.authenticationData = try authStep { try current.initialData() }
            mechanism = current
        }
        var reply = try await request(.connect(connect), channel: channel, operation: "CONNECT")
        while true {
            switch reply {
            case .auth(let auth) where auth.reasonCode == .continueAuthentication:
                guard var current = mechanism, auth.properties.authenticationMethod == current.method else {
                    throw .protocolViolation("AUTH for a method this client did not start")
                }
                let data = try authStep { try current.continue(with: auth.properties.authenticationData ?? []) }
                mechanism = current
                let answer = MQTTAuth(reasonCode: .continueAuthentication, method: current.method, data: data)
                reply = try await request(.auth(answer), channel: channel, operation: "AUTH")
            case .connack(let ack):
                guard ack.isAccepted else {
                    throw .refused(ack.reasonCode, ack.properties.reasonString.map { "refused by the broker: \($0)" }
                        ?? "refused by the broker")
                }
                if var current = mechanism {
                    guard ack.properties.authenticationMethod.map({ $0 == current.method }) ?? true else {
                        throw .protocolViolation("CONNACK names another authentication method")
                    }
                    try authStep { try current.finish(with: ack.properties.authenticationData) }
                }
                switch state {
                case .connecting(let connection):
                    state = .connected(connection, authMethod: mechanism?.method)
                case .closed where endReason != nil:
                    // The connection ended right behind the accepted CONNACK (a session taken
                    // over, a broker hanging up): the login succeeded, the client is closed.
                    break
                case .idle, .connected, .closed:
                    throw endReason ?? .connectionClosed(nil, "closed while connecting")
                }
                return MQTTConnectResult(
                    sessionPresent: ack.sessionPresent, reasonCode: ack.reasonCode,
                    clientID: ack.properties.assignedClientIdentifier ?? configuration.clientID, properties: ack.properties)
            default:
                throw .protocolViolation("\(reply.name) while waiting for CONNACK")
            }
        }
    }

    // MARK: Operations

    /// Publishes a message.
    ///
    /// - Returns: for QoS 1, the PUBACK's reason code (on 5.0 `0x10` means nobody subscribes,
    ///   0x87 not authorized); for QoS 0, success once the packet is written.
    /// - Throws: `invalid_argument` for QoS 2; `timed_out` without PUBACK; `connection_closed`.
    public func publish(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false)
        async throws(MQTTClientError) -> MQTTReasonCode
    {
        let channel = try connectedChannel()
        guard qos != .exactlyOnce else { throw .invalidArgument("QoS 2 is not supported") }
        if qos == .atMostOnce {
            try await write(.publish(MQTTPublish(topic: topic, payload: payload, retain: retain)), channel: channel)
            return .success
        }
        let id = try nextPacketIdentifier()
        let packet = MQTTPacket.publish(MQTTPublish(topic: topic, payload: payload, qos: qos, retain: retain, packetIdentifier: id))
        guard case .puback(let ack) = try await acknowledged(packet, id: id, channel: channel, operation: "PUBLISH") else {
            throw .protocolViolation("PUBLISH answered with another packet")
        }
        return ack.reasonCode
    }

    /// Subscribes to topic filters.
    ///
    /// - Returns: one code per filter: the granted QoS (0, 1, 2) or a failure (0x80 and above).
    public func subscribe(_ subscriptions: [MQTTSubscription]) async throws(MQTTClientError) -> [MQTTReasonCode] {
        let channel = try connectedChannel()
        guard !subscriptions.isEmpty else { throw .invalidArgument("no topic filter") }
        let id = try nextPacketIdentifier()
        let packet = MQTTPacket.subscribe(MQTTSubscribe(packetIdentifier: id, subscriptions: subscriptions))
        guard case .suback(let ack) = try await acknowledged(packet, id: id, channel: channel, operation: "SUBSCRIBE"),
              ack.reasonCodes.count == subscriptions.count
        else { throw .protocolViolation("SUBSCRIBE answered with the wrong packet or code count") }
        return ack.reasonCodes
    }

    /// Subscribes to one topic filter; returns its SUBACK code.
    public func subscribe(to topicFilter: String, qos: MQTTQoS = .atMostOnce) async throws(MQTTClientError) -> MQTTReasonCode {
        try await subscribe([MQTTSubscription(topicFilter: topicFilter, qos: qos)])[0]
    }

    /// Unsubscribes; returns one code per filter on 5.0, an empty array on 3.1.1.
    public func unsubscribe(_ topicFilters: [String]) async throws(MQTTClientError) -> [MQTTReasonCode] {
        let channel = try connectedChannel()
        guard !topicFilters.isEmpty else { throw .invalidArgument("no topic filter") }
        let id = try nextPacketIdentifier()
        let packet = MQTTPacket.unsubscribe(MQTTUnsubscribe(packetIdentifier: id, topicFilters: topicFilters))
        guard case .unsuback(let ack) = try await acknowledged(packet, id: id, channel: channel, operation: "UNSUBSCRIBE") else {
            throw .protocolViolation("UNSUBSCRIBE answered with another packet")
        }
        return ack.reasonCodes
    }

    /// Runs a new enhanced-authentication exchange on the live connection (AUTH 0x19).
    ///
    /// The mechanism comes fresh from the configured factory (so a new TOTP code is used). The
    /// broker ends a good exchange with AUTH 0x00; a refusal is a DISCONNECT, which ends the
    /// connection and throws `connection_closed` with its reason code.
    public func reauthenticate() async throws(MQTTClientError) {
        let channel = try connectedChannel()
        guard case .connected(_, let method?) = state, var mechanism = try makeMechanism(), mechanism.method == method else {
            throw .invalidState("re-authentication needs the enhanced authentication used to connect")
        }
        let data = try authStep { try mechanism.initialData() }
        var reply = try await request(.auth(MQTTAuth(reasonCode: .reauthenticate, method: method, data: data)),
                                      channel: channel, operation: "re-authentication")
        while true {
            guard case .auth(let auth) = reply, auth.properties.authenticationMethod.map({ $0 == method }) ?? true else {
                throw .protocolViolation("\(reply.name) during re-authentication")
            }
            if auth.reasonCode == .success {
                try authStep { try mechanism.finish(with: auth.properties.authenticationData) }
                return
            }
            let answer = try authStep { try mechanism.continue(with: auth.properties.authenticationData ?? []) }
            reply = try await request(.auth(MQTTAuth(reasonCode: .continueAuthentication, method: method, data: answer)),
                                      channel: channel, operation: "re-authentication")
        }
    }

    /// Sends DISCONNECT with `reason` (0x00 normal; 0x04 asks the broker to publish the will),
    /// then ``close()``. Never throws: the connection is gone either way.
    public func disconnect(reason: MQTTReasonCode = .success) async {
        if case .connected(let connection, _) = state {
            let packet = MQTTPacket.disconnect(MQTTDisconnect(reasonCode: configuration.protocolVersion == .v5 ? reason : .success))
            try? await write(packet, channel: connection.channel)
        }
        await close()
    }

    /// Closes the connection without DISCONNECT, fails pending operations with
    /// `connection_closed`, finishes ``messages``, and waits until the channel's end has reached
    /// the client. Idempotent.
    public func close() async {
        let connection: Connection
        switch state {
        case .idle:
            state = .closed
            messageContinuation.finish()
            return
        case .closed:
            return
        case .connecting(let current), .connected(let current, _):
            connection = current
        }
        state = .closed
        let closed = eventLoop.makePromise(of: Void.self)
        connection.channel.close(promise: closed)
        try? await value(of: closed.futureResult)
        try? await value(of: connection.ended)
        failPending(.connectionClosed(brokerDisconnectReason, "the client closed the connection"))
        messageContinuation.finish()
    }

    // MARK: Inbound

    /// A packet read on this client's channel, handed over on its event loop (the forwarder's).
    nonisolated func received(_ packet: MQTTPacket) {
        assumeIsolated { $0.receive(packet) }
    }

    /// The channel's end, with the error that caused it if any, on its event loop (the forwarder's).
    nonisolated func channelEnded(_ error: (any Error)?) {
        assumeIsolated { $0.connectionEnded(error.map { MQTTClientError.wrapping($0) }) }
    }

    private func receive(_ packet: MQTTPacket) {
        switch packet {
        case .connack, .auth:
            guard let waiter = controlWaiter else { return protocolFailure("unexpected \(packet.name)") }
            controlWaiter = nil
            waiter.succeed(packet)
        case .puback(let ack): completeAck(ack.packetIdentifier, packet)
        case .suback(let ack): completeAck(ack.packetIdentifier, packet)
        case .unsuback(let ack): completeAck(ack.packetIdentifier, packet)
        case .publish(let publish):
            messageContinuation.yield(MQTTMessage(topic: publish.topic, payload: publish.payload, qos: publish.qos,
                                                  retain: publish.retain, properties: publish.properties))
            if publish.qos == .atLeastOnce, let id = publish.packetIdentifier, let channel = currentChannel {
                channel.writeAndFlush(MQTTPacket.puback(MQTTPubAck(packetIdentifier: id)), promise: nil)
            }
        case .disconnect(let disconnect):
            brokerDisconnectReason = disconnect.reasonCode
        case .pingresp:
            break
        case .connect, .subscribe, .unsubscribe, .pingreq:
            protocolFailure("a broker never sends \(packet.name)")
        }
    }

    private func completeAck(_ id: UInt16, _ packet: MQTTPacket) {
        // An unknown identifier is an acknowledgement that timed out here: ignored.
        pendingAcks.removeValue(forKey: id)?.succeed(packet)
    }

    private func protocolFailure(_ detail: String) {
        failPending(.protocolViolation(detail))
        currentChannel?.close(promise: nil)
    }

    private func connectionEnded(_ failure: MQTTClientError?) {
        let error = failure ?? .connectionClosed(brokerDisconnectReason, brokerDisconnectReason.map {
            "the broker disconnected: \($0)"
        } ?? "the connection closed")
        endReason = error
        failPending(error)
        messageContinuation.finish()
        // Also while connecting: the CONNACK may be in and `logIn` not yet resumed, and it
        // must then find the connection gone rather than call it connected.
        switch state {
        case .connecting(let connection), .connected(let connection, _):
            connection.channel.close(promise: nil)
            state = .closed
        case .idle, .closed: break
        }
    }

    private func failPending(_ error: MQTTClientError) {
        controlWaiter?.fail(error)
        controlWaiter = nil
        let pending = pendingAcks
        pendingAcks = [:]
        for promise in pending.values { promise.fail(error) }
    }

    // MARK: Plumbing

    private var currentChannel: (any Channel)? {
        switch state {
        case .connecting(let connection), .connected(let connection, _): connection.channel
        case .idle, .closed: nil
        }
    }

    private func connectedChannel() throws(MQTTClientError) -> any Channel {
        guard case .connected(let connection, _) = state else { throw .invalidState("not connected") }
        return connection.channel
    }

    private func makeMechanism() throws(MQTTClientError) -> (any EnhancedAuthMechanism)? {
        guard let authentication = configuration.authentication else { return nil }
        let channel = authenticationChannel
        return try authStep { try authentication.makeMechanism(channel) }
    }

    /// The `tls-server-end-point` data of the certificate the broker presented, once the TLS
    /// handshake is over (within the timeout); `nil` on plain TCP.
    private func tlsServerEndPoint(_ channel: any Channel) async throws(MQTTClientError) -> SCRAMChannelBinding? {
        guard configuration.tls != nil else { return nil }
        let certificate = channel.eventLoop.makePromise(of: [UInt8].self)
        channel.eventLoop.flatSubmit {
            do {
                return try channel.pipeline.syncOperations.handler(type: TLSHandshakeWatcher.self).peerCertificate
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.cascade(to: certificate)
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.timeout)) {
            certificate.fail(MQTTClientError.timedOut("the TLS handshake"))
        }
        defer { timeout.cancel() }
        let der: [UInt8]
        do { der = try await value(of: certificate.futureResult) } catch { throw endReason ?? .wrapping(error) }
        do {
            return try SCRAMChannelBinding.tlsServerEndPoint(certificateDER: der)
        } catch {
            throw .authenticationFailed("cannot bind to the broker's certificate: \(error)")
        }
    }

    private func authStep<Result>(_ step: () throws -> Result) throws(MQTTClientError) -> Result {
        do { return try step() } catch { throw .authenticationFailed("\(error)") }
    }

    private func nextPacketIdentifier() throws(MQTTClientError) -> UInt16 {
        guard pendingAcks.count < Int(UInt16.max) - 1 else { throw .invalidState("65,535 operations in flight") }
        repeat {
            lastPacketIdentifier = lastPacketIdentifier == .max ? 1 : lastPacketIdentifier + 1
        } while pendingAcks[lastPacketIdentifier] != nil
        return lastPacketIdentifier
    }

    /// The future's result, awaited on this actor's executor, the event loop that completes it.
    /// (NIO's `get()` is a nonisolated async function: it would resume on the shared pool and hop
    /// back here, two thread wake-ups per wait.)
    private func value<Value: Sendable>(of future: EventLoopFuture<Value>) async throws -> Value {
        try await withCheckedThrowingContinuation(isolation: self) { continuation in
            future.whenComplete { continuation.resume(with: $0) }
        }
    }

    /// Writes and flushes, bounded by the timeout (a broker that stops reading fills the socket).
    private func write(_ packet: MQTTPacket, channel: any Channel) async throws(MQTTClientError) {
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(packet, promise: written)
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.timeout)) {
            written.fail(MQTTClientError.timedOut("writing \(packet.name)"))
        }
        defer { timeout.cancel() }
        do { try await value(of: written.futureResult) } catch { throw endReason ?? .wrapping(error) }
    }

    /// Sends a packet that the broker answers with CONNACK or AUTH, and waits for the answer.
    private func request(_ packet: MQTTPacket, channel: any Channel, operation: String) async throws(MQTTClientError) -> MQTTPacket {
        if let endReason { throw endReason }
        let promise = channel.eventLoop.makePromise(of: MQTTPacket.self)
        controlWaiter = promise
        try await write(packet, channel: channel)
        return try await wait(promise, operation: operation)
    }

    private func acknowledged(_ packet: MQTTPacket, id: UInt16, channel: any Channel, operation: String)
        async throws(MQTTClientError) -> MQTTPacket
    {
        if let endReason { throw endReason }
        let promise = channel.eventLoop.makePromise(of: MQTTPacket.self)
        pendingAcks[id] = promise
        do {
            try await write(packet, channel: channel)
            return try await wait(promise, operation: operation)
        } catch {
            pendingAcks.removeValue(forKey: id)
            throw error
        }
    }

    private func wait(_ promise: EventLoopPromise<MQTTPacket>, operation: String) async throws(MQTTClientError) -> MQTTPacket {
        let timeout = promise.futureResult.eventLoop.scheduleTask(in: TimeAmount(configuration.timeout)) {
            promise.fail(MQTTClientError.timedOut(operation))
        }
        defer { timeout.cancel() }
        do { return try await value(of: promise.futureResult) } catch { throw .wrapping(error) }
    }

    private func openChannel(_ ended: EventLoopPromise<Void>)
        async throws(MQTTClientError) -> any Channel
    {
        let sslContext = try configuration.tls?.makeContext()
        let serverHostname = configuration.tls?.serverHostname ?? (Self.isIPAddress(configuration.host) ? nil : configuration.host)
        let version = configuration.protocolVersion
        let decoder = MQTTPacketDecoder(version: version, maximumPacketSize: configuration.maximumPacketSize)
        let keepAlive = configuration.keepAlive
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname))
                        try sync.addHandler(TLSHandshakeWatcher(eventLoop: channel.eventLoop))
                    }
                    try sync.addHandler(ByteToMessageHandler(MQTTFrameDecoder(decoder: decoder)))
                    try sync.addHandler(MessageToByteHandler(MQTTPacketEncoder(version: version)))
                    try sync.addHandler(MQTTKeepAliveHandler(keepAlive: keepAlive))
                    try sync.addHandler(MQTTInboundForwarder(client: self, ended: ended))
                }
            }
        do {
            if let localAddress = configuration.localAddress {
                bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localAddress, port: 0))
            }
            // An address is connected to as it is: NIO would otherwise hand it to `getaddrinfo`
            // on a dispatch queue, two thread hops per connect.
            if let address = try? SocketAddress(ipAddress: configuration.host, port: configuration.port) {
                return try await value(of: bootstrap.connect(to: address))
            }
            return try await value(of: bootstrap.connect(host: configuration.host, port: configuration.port))
        } catch {
            throw .connectionFailed("cannot reach \(configuration.host):\(configuration.port): \(error)")
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
