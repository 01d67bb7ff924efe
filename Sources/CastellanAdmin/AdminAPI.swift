import CastellanBridge
import CastellanFleet
import CastellanStore
import Foundation
import Hummingbird
import ServiceLifecycle
import Logging
import Prometheus
import Supervision
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The admin API of a running service: the supervision tree, its events, chaos kills,
/// Prometheus metrics and health, over HTTP on a Unix socket or loopback TCP.
///
/// Every route needs `Authorization: Bearer <token>` (compared in constant time; 401
/// otherwise) — except the web observer's static page (``ObserverPage``), which holds no data. It knows the service only through ``Hooks``, so the service module need not
/// depend on it. Stopping: cancel the task running ``run(listen:onListening:)``; open event
/// streams are closed first so the HTTP server's graceful shutdown does not wait on them.
public final class AdminAPI: Sendable {
    /// What the admin API asks of the service.
    public struct Hooks: Sendable {
        /// Whether the service takes requests (`/readyz`): the bridge socket is listening.
        public var isReady: @Sendable () -> Bool
        /// Workers accepting requests and requests waiting, over all pools (gauges in `/metrics`).
        public var poolLoad: @Sendable () -> (live: Int, queued: Int)
        /// Device and certificate management for `/v1/devices` and `/v1/certificates`; `nil`:
        /// those routes answer 503.
        public var fleet: Fleet?

        public init(isReady: @escaping @Sendable () -> Bool,
                    poolLoad: @escaping @Sendable () -> (live: Int, queued: Int) = { (0, 0) },
                    fleet: Fleet? = nil) {
            self.isReady = isReady
            self.poolLoad = poolLoad
            self.fleet = fleet
        }
    }

    let tree: SupervisionTree
    let token: AdminToken
    let hooks: Hooks
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let streams = EventStreams()
    private let liveWorkers: Gauge
    private let queuedRequests: Gauge

    /// - Parameter registry: where `/metrics` reads from. Bootstrap swift-metrics with a
    ///   `PrometheusMetricsFactory` over the same registry so the service's own metrics show.
    public init(tree: SupervisionTree, token: AdminToken, hooks: Hooks, registry: PrometheusCollectorRegistry,
                logger: Logger) {
        self.tree = tree
        self.token = token
        self.hooks = hooks
        self.registry = registry
        self.logger = logger
        liveWorkers = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "castellan", subsystem: "pool", metricName: "live", unitName: "workers",
            helpText: "Authenticator workers accepting requests, over all pools."))
        queuedRequests = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "castellan", subsystem: "pool", metricName: "queued", unitName: "requests",
            helpText: "Requests waiting for an authenticator worker, over all pools."))
    }

    /// Serves until the task is cancelled; also counts the tree's supervision events into
    /// the registry (`castellan_supervisor_restarts_total{path}`, `castellan_supervisor_events_total{event}`).
    ///
    /// A Unix socket is made mode 0600 before `onListening` runs; a stale socket left by a
    /// crash is removed, a live one refused (``AdminError``). The socket is created under
    /// the process umask and tightened right after bind, before anyone is told it exists.
    public func run(listen: AdminListen, onListening: @escaping @Sendable () async -> Void = {}) async throws {
        let address: BindAddress
        switch listen {
        case .unix(let path):
            do { try BridgeSocket.prepare(path: path) } catch { throw AdminError.listen("admin socket: \(error)") }
            address = .unixDomainSocket(path: path)
        case .http(let port):
            address = .hostname("127.0.0.1", port: port)
        }
        let app = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: address, serverName: nil),
            onServerRunning: { _ in
                if case .unix(let path) = listen { _ = chmod(path, 0o600) }
                await onListening()
            },
            logger: logger)
        // Events are printed by `castellan serve` already: this reporter only counts.
        var quiet = logger
        quiet.logLevel = .critical
        let reporter = EventReporter(logger: quiet, metrics: PrometheusMetricsFactory(registry: registry))
        let events = tree.events()
        let streams = streams
        // Stopping is a graceful shutdown of the server, not a cancellation of its task: a
        // cancelled Hummingbird server logs an error for every open channel, on a clean stop too.
        let server = ServiceGroup(configuration: .init(services: [app], logger: quiet))
        let serving = Task { try await server.run() }
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await reporter.run(events) }
                group.addTask { try await serving.value }
                defer { group.cancelAll() }
                try await group.next()
            }
        } onCancel: {
            streams.closeAll()
            Task { await server.triggerGracefulShutdown() }
        }
        await server.triggerGracefulShutdown()
        _ = try? await serving.value
        if case .unix(let path) = listen { unlink(path) }
    }

    /// The current pool gauges and every registered metric, in Prometheus text format.
    func metricsText() -> String {
        let load = hooks.poolLoad()
        liveWorkers.set(Double(load.live))
        queuedRequests.set(Double(load.queued))
        return registry.emitToString()
    }
}
