import CastellanAdmin
import CastellanCA
import CastellanFleet
import CastellanService
import CastellanStore
import Foundation
import Logging
import Prometheus
import Supervision
import ServerTesting
import SupervisionTesting
import X509

/// A real `castellan serve` in-process (as CastellanServiceTests' ServiceHarness starts it)
/// with its admin API listening on the Unix socket castellan.yaml names.
final class AdminHarness: Sendable {
    let directory = TemporaryDirectory()
    let configuration: CastellanConfiguration
    let server: CastellanServer
    let token: AdminToken
    let registry = PrometheusCollectorRegistry()
    private let running: Task<Void, any Error>
    private let serving: Task<Void, any Error>
    /// Whether the admin API bound its address (a TCP port picked free may be taken by then).
    let listening: Bool

    /// - Parameters:
    ///   - fleet: whether the admin API gets device management over the server's store (as
    ///     `castellan serve` gives it); without, the `/v1/devices` routes answer 503.
    ///   - listen: where the admin API listens instead of castellan.yaml's Unix socket (the
    ///     browser test needs `http://127.0.0.1:PORT`).
    init(fleet: Bool = true, listen: AdminListen? = nil) async throws {
        let setup = try await CastellanSetup.create(in: directory.path)
        var loaded = try CastellanConfiguration.load(setup.configuration)
        if let listen { loaded.adminListen = listen }
        _ = try CertificateAuthority.create(in: loaded.caDirectory, subject: try DistinguishedName(parsing: "CN=Test Device CA"))
        configuration = loaded
        token = try AdminToken.load(from: loaded.adminTokenFile)
        var logger = Logger(label: "castellan-admin-test")
        logger.logLevel = .warning
        server = try await CastellanServer(configuration: loaded, logger: logger)
        let server = server
        running = Task { try await server.run() }
        await server.context.bridge.wait()
        let context = server.context
        let api = AdminAPI(tree: server.tree, token: token,
                           hooks: AdminAPI.Hooks(isReady: { context.bridge.isReady }, poolLoad: { context.pools.load },
                                                 fleet: fleet ? Fleet(store: context.store, configuration: loaded, now: {
                                                     Int64(Date().timeIntervalSince1970.rounded(.down))
                                                 }) : nil),
                           registry: registry, logger: logger)
        let (bound, signal) = AsyncStream<Bool>.makeStream()
        serving = Task {
            defer { signal.finish() }  // also when binding failed: `listening` then says so
            try await api.run(listen: loaded.adminListen) {
                signal.yield(true)
                signal.finish()
            }
        }
        var listening = false
        for await value in bound { listening = value }
        self.listening = listening
    }

    /// A harness whose admin API listens on a free TCP port: one taken between the pick and the
    /// bind (another test's connection) is tried again, three times at most.
    static func onFreePort() async throws -> AdminHarness {
        var attempt = 1
        while true {
            let harness = try await AdminHarness(listen: .http(port: try Broker.freePort()))
            if harness.listening || attempt == 3 { return harness }
            try await harness.stop()
            attempt += 1
        }
    }

    /// A client sending the right token.
    var client: AdminClient { AdminClient(listen: configuration.adminListen, token: token) }

    /// A client sending `authorization` as it is (nil: no header).
    func client(authorization: String?) -> AdminClient {
        AdminClient(listen: configuration.adminListen, authorization: authorization)
    }

    var socketPath: String {
        guard case .unix(let path) = configuration.adminListen else { return "" }
        return path
    }

    func stop() async throws {
        serving.cancel()
        try? await serving.value
        await server.stop()
        try await running.value
    }

    /// How the server's run ended (waits for it): `nil` after an orderly stop.
    func runError() async -> (any Error)? {
        do { try await running.value } catch { return error }
        return nil
    }

    /// Stops the admin API only (the tree already ended).
    func stopAPI() async throws {
        serving.cancel()
        try? await serving.value
    }
}

extension AdminClient {
    /// The live tree, decoded.
    func tree() async throws -> TreeSnapshot {
        let response = try await request(.GET, "/v1/supervision/tree")
        guard response.status == 200 else { throw AdminTestFailure("GET tree answered \(response.status)") }
        return try JSONDecoder().decode(TreeSnapshot.self, from: Data(response.body))
    }

    /// POST /v1/chaos/kill with `body` as it is.
    func kill(_ body: String) async throws -> Response {
        try await request(.POST, "/v1/chaos/kill", json: Array(body.utf8))
    }
}

struct AdminTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TreeSnapshot {
    /// Every node's generation by path: equal before and after means nothing was (re)started.
    var generations: [String: UInt64] {
        Dictionary(uniqueKeysWithValues: allNodes.map { ($0.path, $0.generation) })
    }

    /// The first running worker of the pool at `pool`.
    func firstWorker(under pool: String) -> TreeSnapshot? {
        node(at: pool)?.allNodes.first { $0.kind == .worker && $0.state == .running }
    }
}
