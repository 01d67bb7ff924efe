import NIOCore
import NIOPosix
import NIOSSL

/// A TLS-terminating relay on a loopback port: what a man in the middle runs whose certificate
/// the device trusts (mis-issued, stolen, a TLS-inspecting proxy). It ends the device's TLS with
/// its own certificate, opens its own TLS connection to the broker, and passes the bytes on.
final class TLSRelay: Sendable {
    let port: Int
    private let listener: any Channel

    private init(port: Int, listener: any Channel) {
        self.port = port
        self.listener = listener
    }

    /// Listens on 127.0.0.1 with `certificateFile`/`keyFile`; relays to `127.0.0.1:target`,
    /// trusting `caFile` for the broker named `localhost`.
    static func start(certificateFile: String, keyFile: String, caFile: String, target: Int) async throws -> TLSRelay {
        let serverContext = try NIOSSLContext(configuration: .makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))))
        var client = TLSConfiguration.makeClientConfiguration()
        client.trustRoots = .file(caFile)
        let clientContext = try NIOSSLContext(configuration: client)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)  // nothing from the device until the broker side is up
            .childChannelInitializer { inbound in
                // Same event loop for both sides: the glue calls across them directly.
                ClientBootstrap(group: inbound.eventLoop)
                    .channelInitializer { outbound in
                        outbound.eventLoop.makeCompletedFuture {
                            try outbound.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: clientContext, serverHostname: "localhost"))
                        }
                    }
                    .connect(host: "127.0.0.1", port: target)
                    .flatMapThrowing { outbound in
                        let (toBroker, toDevice) = RelayGlue.pair()
                        try inbound.pipeline.syncOperations.addHandlers([NIOSSLServerHandler(context: serverContext), toBroker])
                        try outbound.pipeline.syncOperations.addHandler(toDevice)
                        inbound.setOption(.autoRead, value: true).whenFailure { _ in inbound.close(promise: nil) }
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = listener.localAddress?.port else { throw RelayError() }
        return TLSRelay(port: port, listener: listener)
    }

    func stop() async {
        try? await listener.close()
    }

    struct RelayError: Error {}
}

/// Passes what one channel reads to the other, and a close along; both on one event loop.
private final class RelayGlue: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: RelayGlue?
    private var context: ChannelHandlerContext?

    static func pair() -> (RelayGlue, RelayGlue) {
        let (a, b) = (RelayGlue(), RelayGlue())
        a.partner = b
        b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { partner?.context?.write(data, promise: nil) }

    func channelReadComplete(context: ChannelHandlerContext) { partner?.context?.flush() }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
