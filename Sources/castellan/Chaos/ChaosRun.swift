import CastellanAdmin
import CastellanChaos
import CastellanClient
import CastellanService
import CastellanStore
import Foundation
import Supervision

/// One chaos run, start to end: the working folder, the service as a child process, a mosquitto
/// with the plugin, the load, the faults, the event stream and the counters; then the report.
struct ChaosRun {
    let scenario: ChaosScenario
    let folder: String
    let plugin: String
    let mosquitto: String
    /// Show progress on standard error.
    let showProgress: Bool

    /// How long the runner waits for the stream and the counters to catch up with the kills.
    static let settleTimeout = 5.0

    func run() async throws -> ChaosReport {
        let tree = scenario.tree.map { Self.resolve($0, nextTo: scenario.file) }
        let spec = try tree.map { try SupervisionSpecLoader(workerTypes: ServiceWorkerTypes.names).load(contentsOf: $0) }
            ?? SupervisionSpecLoader(workerTypes: ServiceWorkerTypes.names).parse(DefaultServiceSpec.yaml, file: "<built-in>")
        let predicted = EscalationForecast.predict(spec: spec, faults: scenario.faults)
        if scenario.expectedEscalation != predicted {
            throw StackError("\(scenario.file): expect.escalation says \(scenario.expectedEscalation ?? "none"), "
                + "but the tree's intensities predict \(predicted ?? "none") for these kills")
        }
        let workspace = try await ChaosWorkspace.prepare(in: folder, scenario: scenario, tree: tree)
        let configuration = workspace.fleet.configuration
        let recorder = ChaosRecorder()
        await recorder.setPrediction(predicted)
        if case .path = scenario.faults.target { await recorder.setWholeNodeKills(true) }

        let onExit: @Sendable (String) -> Void = { text in
            let when = Date().timeIntervalSince1970
            Task { await recorder.recordUnexpectedExit(String(format: "at %.1f: ", when) + text) }
        }
        let service = ChaosService(configuration: workspace.fleet.configurationFile, log: folder + "/serve.log", onUnexpectedExit: onExit)
        defer { service.kill() }
        try await service.start()

        let broker = ChaosDevice.Broker(port: try LoopbackPort.free(), tlsPort: try LoopbackPort.free(), caFile: workspace.fleet.caFile)
        let conf = MosquittoConf(
            plugin: plugin, socket: configuration.bridgeSocket, brokerID: "castellan-chaos", timeoutMilliseconds: 2000,
            user: MosquittoConfCommand.currentUser(), version: MosquittoConfCommand.installedVersion(executable: mosquitto) ?? .v2_0,
            listeners: [.init(.plain, port: broker.port, bind: "127.0.0.1"), .init(.clientCertificate, port: broker.tlsPort, bind: "127.0.0.1")],
            certificate: .init(caFile: workspace.fleet.caFile, prefix: workspace.fleet.brokerPrefix))
        let mosquittoProcess = try MosquittoProcess.start(executable: mosquitto, conf: conf.text, folder: folder)
        defer { mosquittoProcess.stop() }
        try await Self.waitForFirstGrant(workspace.devices, broker: broker)

        let admin = ChaosAdmin(client: AdminClient(listen: configuration.adminListen, token: try AdminToken.load(from: configuration.adminTokenFile)))
        let (connected, connection) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let follower = Task { await admin.follow(into: recorder, connected: connection) }
        var connections = connected.makeAsyncIterator()
        _ = await connections.next()
        guard var baseline = await admin.restartCounters() else { throw StackError("cannot read /metrics from the service") }

        let started = Date().timeIntervalSince1970
        let faultsStarted = started + scenario.calm, ended = started + scenario.duration
        await recorder.setSchedule(started: started, faultsStarted: faultsStarted, ended: ended)
        let progress = showProgress ? Task { await ChaosProgress(recorder: recorder).run(from: started, until: ended) } : nil
        let load = Task {
            await ChaosLoad(devices: workspace.devices, connections: scenario.load.connections, rate: scenario.load.rate,
                      broker: broker, recorder: recorder)
                .run(until: ended)
        }
        let faults = ChaosFaults(faults: scenario.faults, admin: admin, recorder: recorder) {
            // The SIGKILL: settle and count this run of the service first — its counters die with it.
            await Self.settle(recorder, admin: admin, since: baseline)
            let killed = Date().timeIntervalSince1970
            service.kill()
            try await Task.sleep(for: .seconds(scenario.faults.serviceKill?.down ?? 1))
            await recorder.nextIncarnation()
            try await service.start()
            await recorder.recordServiceKill(ChaosFacts.Window(start: killed, end: Date().timeIntervalSince1970))
            _ = await connections.next()
            baseline = await admin.restartCounters() ?? RestartCounters()
        }
        let faultResult: Result<Void, any Error>
        do {
            try await faults.run(from: faultsStarted, until: ended)
            faultResult = .success(())
        } catch {
            faultResult = .failure(error)
        }
        await load.value
        await Self.settle(recorder, admin: admin, since: baseline)
        progress?.cancel()
        await progress?.value
        // The follower ends when its connection does: cancel it, then stop the service under it.
        follower.cancel()
        service.kill()
        await follower.value
        try faultResult.get()
        return ChaosReport(scenario: scenario.file, facts: await recorder.facts)
    }

    /// Waits (bounded) until the stream shows every kill's exit and restart, then adds how far
    /// this run of the service moved its restart counters.
    ///
    /// Polls: the stream and the counters are written by the service on its own schedule, and
    /// there is no event that says "both caught up"; each poll is a real request.
    static func settle(_ recorder: ChaosRecorder, admin: ChaosAdmin, since baseline: RestartCounters) async {
        let deadline = Date().timeIntervalSince1970 + settleTimeout
        while await !recorder.killsSettled, Date().timeIntervalSince1970 < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        var moved: Int?
        repeat {
            if let counters = await admin.restartCounters() { moved = counters.moved(since: baseline) }
            if let moved, await recorder.restartsThisIncarnation == moved { break }
            try? await Task.sleep(for: .milliseconds(50))
        } while Date().timeIntervalSince1970 < deadline
        if let moved { await recorder.addMetricRestarts(moved) } else { await recorder.markMetricsUnread() }
    }

    /// The plugin reaches the service when the broker starts, but until a valid device gets in
    /// the calm phase would measure the start-up. Bounded by a deadline.
    static func waitForFirstGrant(_ devices: [ChaosDevice], broker: ChaosDevice.Broker) async throws {
        guard let device = devices.first(where: { $0.credential == .valid && $0.method != .totp }) else { return }
        let deadline = Date().timeIntervalSince1970 + 30
        while Date().timeIntervalSince1970 < deadline {
            let client = MQTTClient(configuration: device.configuration(broker, code: nil))
            if (try? await client.connect()) != nil {
                await client.disconnect()
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw StackError("no device could connect within 30 s; see the mosquitto and serve logs in the working folder")
    }

    static func resolve(_ path: String, nextTo file: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
    }
}
