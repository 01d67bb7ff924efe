import ArgumentParser
import CastellanAdmin
import CastellanEST
import CastellanFleet
import CastellanService
import CastellanStore
import Dispatch
import Foundation
import Logging
import Metrics
import Prometheus
import Supervision

/// `castellan serve`: the service the broker plugin asks.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: the bridge socket for mosquitto's plugin, the authenticators, the supervision tree.",
        discussion: """
            SIGTERM or SIGINT stops the tree in order (exit 0); SIGHUP re-reads castellan.yaml (as does \
            `castellan reload`). Exits 1 if the root supervisor gives up, so systemd restarts the service.
            """
    )

    @OptionGroup var config: ConfigOption

    @Flag(name: .long, help: "Print supervision events as JSON lines instead of text.")
    var json = false

    func run() async throws {
        let logger = Logger(label: "castellan")
        let server: CastellanServer
        let configuration: CastellanConfiguration
        let admin: AdminAPI
        let est: ESTServer?
        do {
            configuration = try config.load(.process())
            // Before anything starts: a token file others can read is refused, as the master key is.
            let token = try AdminToken.load(from: configuration.adminTokenFile)
            // Every swift-metrics metric of the process lands in the registry `/metrics` reads.
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            server = try await CastellanServer(configuration: configuration, logger: logger)
            let context = server.context
            // Device management over the admin API acts on the running service's own store.
            let fleet = Fleet(store: context.store, configuration: configuration,
                              now: { Int64(Date().timeIntervalSince1970.rounded(.down)) })
            admin = AdminAPI(tree: server.tree, token: token,
                             hooks: AdminAPI.Hooks(isReady: { context.bridge.isReady }, poolLoad: { context.pools.load },
                                                   fleet: fleet),
                             registry: registry, logger: logger)
            est = configuration.est.map { ESTServer(settings: $0, fleet: fleet, rateLimit: configuration.rateLimit, logger: logger) }
            printLine("castellan serve: bridge socket \(configuration.bridgeSocket), store \(configuration.storeText), tree \(server.specFile), decision threads \(server.decisionThreadsSummary)")
        } catch {
            FileHandle.standardError.write(Data("castellan serve: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let ready = Task {
            await server.context.bridge.wait()
            printLine("castellan serve: ready, bridge listening on \(server.context.settings.configuration.bridgeSocket)")
        }
        defer { ready.cancel() }
        // The admin API runs beside the tree (not in it: CastellanAdmin sits above CastellanService).
        // If it cannot listen, the service still serves the broker, and says so.
        let adminListen = configuration.adminListen
        let adminTask = Task {
            do {
                try await admin.run(listen: adminListen) { printLine("castellan serve: admin API on \(adminListen)") }
            } catch {
                if !Task.isCancelled {
                    FileHandle.standardError.write(Data("castellan serve: admin API stopped: \(error)\n".utf8))
                }
            }
        }
        // EST beside the tree too, and as optional: a device that cannot enrol must not stop the broker's service.
        let estTask = Task {
            guard let est, let settings = configuration.est else { return }
            do {
                try await est.run { port in printLine("castellan serve: EST on https://\(settings.host):\(port)/.well-known/est/") }
            } catch {
                if !Task.isCancelled {
                    FileHandle.standardError.write(Data("castellan serve: EST server stopped: \(error)\n".utf8))
                }
            }
        }
        let events = server.tree.events()
        let json = json
        let printer = Task { for await event in events { printLine(json ? EventLine.json(event) : EventLine.text(event)) } }
        let stopping = onTerminationSignal { Task { await server.stop() } }
        let reloading = onSignal(SIGHUP) {
            do {
                let notes = try server.reload()
                printLine("castellan serve: configuration reloaded" + notes.map { "; " + $0 }.joined())
            } catch {
                FileHandle.standardError.write(Data("castellan serve: reload refused, keeping the running configuration: \(error)\n".utf8))
            }
        }
        defer { (stopping + reloading).forEach { $0.cancel() } }
        do {
            try await server.run()
        } catch {
            adminTask.cancel()
            estTask.cancel()
            await adminTask.value
            await estTask.value
            server.tree.environment.events.finish()
            await printer.value
            FileHandle.standardError.write(Data("castellan serve: the root supervisor gave up: \(error)\n".utf8))
            throw ExitCode.failure
        }
        adminTask.cancel()
        estTask.cancel()
        await adminTask.value
        await estTask.value
        server.tree.environment.events.finish()
        await printer.value
    }
}
