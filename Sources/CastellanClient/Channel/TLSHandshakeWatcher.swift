import NIOCore
import NIOSSL
import NIOTLS

/// Completes ``peerCertificate`` when the TLS handshake ends, with the certificate the broker
/// presented (DER) — what SCRAM `-PLUS` binds to (`tls-server-end-point`) — or fails it with
/// what ended the handshake (an error, the connection closing first).
///
/// Sits right behind the `NIOSSLClientHandler` and passes everything on unchanged.
final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<[UInt8]>
    /// The broker's certificate, DER, once the handshake is complete.
    var peerCertificate: EventLoopFuture<[UInt8]> { promise.futureResult }

    init(eventLoop: any EventLoop) {
        promise = eventLoop.makePromise(of: [UInt8].self)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            do {
                guard let certificate = try context.pipeline.syncOperations.nioSSL_peerCertificate() else {
                    throw MQTTClientError.connectionFailed("the broker presented no certificate")
                }
                promise.succeed(try certificate.toDERBytes())
            } catch {
                promise.fail(error)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // A promise completed already ignores these.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(MQTTClientError.connectionClosed(nil, "closed during the TLS handshake"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(MQTTClientError.connectionClosed(nil, "closed during the TLS handshake"))
    }
}
