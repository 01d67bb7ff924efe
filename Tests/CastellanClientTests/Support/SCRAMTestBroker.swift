import ServerTesting
import CastellanAuth
@testable import CastellanClient
import NIOCore
import NIOPosix

/// A small MQTT 5 server on loopback that authenticates with CastellanAuth's real
/// ``SCRAMServer``: the broker side of enhanced auth until the Castellan plugin exists.
///
/// It speaks the wire protocol through the SDK's own codec and can misbehave on purpose
/// (wrong or missing server signature, silence, unanswered pings, a hang-up) to test the client's
/// mutual authentication, timeouts and keep-alive.
final class SCRAMTestBroker: Sendable {
    /// How the server behaves.
    enum Behaviour: Sendable {
        case honest
        case wrongSignature
        case omitSignature
        case silent
        case ignorePings
        /// Closes the connection right after its CONNACK.
        case hangUpAfterConnack
    }

    let port: Int
    private let channel: any Channel

    static func start(account: SCRAMAccount, username: String = "user", behaviour: Behaviour = .honest) async throws -> SCRAMTestBroker {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let sync = child.pipeline.syncOperations
                    try sync.addHandler(ByteToMessageHandler(MQTTFrameDecoder(decoder: MQTTPacketDecoder(version: .v5))))
                    try sync.addHandler(MessageToByteHandler(MQTTPacketEncoder(version: .v5)))
                    try sync.addHandler(SCRAMTestBrokerHandler(account: account, username: username, behaviour: behaviour))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw BrokerError(description: "no port") }
        return SCRAMTestBroker(port: port, channel: channel)
    }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    func stop() async {
        try? await channel.close()
    }
}

/// One connection of ``SCRAMTestBroker``.
private final class SCRAMTestBrokerHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = MQTTPacket

    private let account: SCRAMAccount
    private let username: String
    private let behaviour: SCRAMTestBroker.Behaviour
    private var exchange: SCRAMServer?
    private var connected = false

    init(account: SCRAMAccount, username: String, behaviour: SCRAMTestBroker.Behaviour) {
        self.account = account
        self.username = username
        self.behaviour = behaviour
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = unwrapInboundIn(data)
        guard behaviour != .silent else { return }
        do {
            switch packet {
            case .connect(let connect):
                guard let method = connect.properties.authenticationMethod, let mechanism = SCRAMMechanism(name: method) else {
                    return refuse(context, .badAuthenticationMethod)
                }
                try start(context, mechanism, connect.properties.authenticationData ?? [])
            case .auth(let auth) where auth.reasonCode == .reauthenticate:
                guard connected, let method = auth.properties.authenticationMethod, let mechanism = SCRAMMechanism(name: method) else {
                    return refuse(context, .protocolError)
                }
                try start(context, mechanism, auth.properties.authenticationData ?? [])
            case .auth(let auth) where auth.reasonCode == .continueAuthentication:
                guard var current = exchange else { return refuse(context, .protocolError) }
                let step = try current.receiveClientFinal(auth.properties.authenticationData ?? [])
                exchange = current
                guard case .success(var serverFinal) = step else { return refuse(context, .notAuthorized) }
                switch behaviour {
                case .wrongSignature: serverFinal[3] ^= 0x01
                case .omitSignature: serverFinal = []
                default: break
                }
                var properties = MQTTProperties()
                properties.authenticationMethod = current.mechanism.name
                properties.authenticationData = serverFinal.isEmpty ? nil : serverFinal
                if connected {
                    context.writeAndFlush(wrapOutboundOut(.auth(MQTTAuth(reasonCode: .success, properties: properties))), promise: nil)
                } else {
                    connected = true
                    context.writeAndFlush(wrapOutboundOut(.connack(MQTTConnAck(properties: properties))), promise: nil)
                    if behaviour == .hangUpAfterConnack { context.close(promise: nil) }
                }
            case .pingreq:
                if behaviour != .ignorePings { context.writeAndFlush(wrapOutboundOut(.pingresp), promise: nil) }
            case .disconnect:
                context.close(promise: nil)
            default:
                break
            }
        } catch {
            refuse(context, .notAuthorized)
        }
    }

    private func start(_ context: ChannelHandlerContext, _ mechanism: SCRAMMechanism, _ clientFirst: [UInt8]) throws {
        let entropy = SystemEntropy()
        var server = try SCRAMServer(mechanism: mechanism, configuration: try SCRAMServerConfiguration(entropy: entropy),
                                     createdAt: .now, entropy: entropy)
        let user = try server.receiveClientFirst(clientFirst)
        let serverFirst = try server.respond(to: user == username ? account : nil)
        exchange = server
        let auth = MQTTAuth(reasonCode: .continueAuthentication, method: mechanism.name, data: serverFirst)
        context.writeAndFlush(wrapOutboundOut(.auth(auth)), promise: nil)
    }

    private func refuse(_ context: ChannelHandlerContext, _ code: MQTTReasonCode) {
        let packet: MQTTPacket = connected ? .disconnect(MQTTDisconnect(reasonCode: code)) : .connack(MQTTConnAck(reasonCode: code))
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(packet)).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
