import CastellanAuth
import CastellanFleet
import CastellanStore
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import Metrics
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import X509

/// The EST enrolment server (RFC 7030): `cacerts`, `simpleenroll` (a one-time token),
/// `simplereenroll` (the current certificate) and `csrattrs` under `/.well-known/est/`, over
/// HTTPS (TLS 1.2 or later) with the broker's certificate.
///
/// Every decision is the ``Fleet``'s (tokens, CSR rules, issuing, the change log); this type
/// speaks HTTP, authenticates the renewing certificate with the same rules as a broker connect,
/// counts attempts per address with the connect rate limit, and counts outcomes in
/// `castellan_est_requests_total{operation,status}`.
public final class ESTServer: Sendable {
    let settings: ESTSettings
    let fleet: Fleet
    let logger: Logger
    let rateLimiter: Mutex<RateLimiter>

    /// A server for `settings` acting through `fleet`; `rateLimit` bounds attempts per address.
    public init(settings: ESTSettings, fleet: Fleet, rateLimit: RateLimitPolicy, logger: Logger) {
        self.settings = settings
        self.fleet = fleet
        self.logger = logger
        self.rateLimiter = Mutex(RateLimiter(policy: rateLimit))
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port (the configured one,
    /// or the one the system chose for port 0). Throws if the certificate or key cannot be read or
    /// the address cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            server: try .tls(.http1(), configuration: try tlsConfiguration()),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        var quiet = logger
        quiet.logLevel = .critical
        // As the admin API: stop with a graceful shutdown, not by cancelling the server's task.
        let server = ServiceGroup(configuration: .init(services: [app], logger: quiet))
        let serving = Task { try await server.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await server.triggerGracefulShutdown() }
        }
    }

    /// TLS 1.2+, the broker's certificate, and a client certificate asked for but optional.
    ///
    /// A presented certificate is accepted at the TLS layer whatever it is — the handshake still
    /// proves the client holds its key — and judged per request by ``renewingDevice(_:)`` with
    /// the device rules: so an expired or revoked certificate gets an HTTP refusal saying why
    /// instead of a handshake failure, and enrolment (no certificate yet) uses the same listener.
    private func tlsConfiguration() throws -> TLSChannelConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(settings.certificateFile)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(try NIOSSLPrivateKey(file: settings.keyFile, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .optionalVerification
        let caFile = fleet.caDirectory + "/ca.pem"
        if let ca = try? NIOSSLCertificate.fromPEMFile(caFile) { tls.trustRoots = .certificates(ca) }
        return TLSChannelConfiguration(tlsConfiguration: tls, customAsyncVerificationCallback: { _ in .certificateVerified })
    }

    /// Whether `address` may try now (a token bucket per address, as connects have).
    func admits(_ address: String) -> Bool {
        rateLimiter.withLock { $0.attempt(from: address, at: .now) }
    }

    /// Counts one answered request.
    func count(_ operation: String, _ status: HTTPResponse.Status) {
        Counter(label: "castellan_est_requests_total", dimensions: [("operation", operation), ("status", String(status.code))])
            .increment()
    }
}
