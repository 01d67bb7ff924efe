import ArgumentParser
import CastellanAuth
import CastellanCA
import CastellanClient
import CastellanEST
import CastellanFleet
import CastellanService
import CastellanStore
import Foundation
import Logging
import X509

/// `castellan stack`: the whole product on one machine — `make run`.
///
/// Creates (if missing) a working folder with a config, a CA, a broker certificate and one demo
/// device per method; runs the service and a mosquitto that loads the plugin; connects each demo
/// device and prints the outcome and the live supervision tree; stops everything on Ctrl-C.
struct StackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "Run the service and a mosquitto with the plugin, with demo devices (what `make run` does).")

    @Option(help: "The working folder (created if missing).") var dir = ".castellan"
    @Option(help: "The plugin to load.") var plugin = ".build-plugin/castellan_mosquitto.so"
    @Option(help: "Plain TCP port.") var port = 1883
    @Option(name: .customLong("tls-port"), help: "mTLS port.") var tlsPort = 8883
    @Option(help: "The mosquitto binary.") var mosquitto = "/usr/sbin/mosquitto"
    @Option(name: .customLong("est-port"), help: "EST enrolment port (HTTPS, loopback; unless castellan.yaml sets est.listen).")
    var estPort = 8443

    func run() async throws {
        let workingDirectory = FileManager.default.currentDirectoryPath
        let folder = dir.hasPrefix("/") ? dir : workingDirectory + "/" + dir
        let pluginPath = plugin.hasPrefix("/") ? plugin : workingDirectory + "/" + plugin
        guard FileManager.default.fileExists(atPath: pluginPath) else {
            FileHandle.standardError.write(Data("castellan stack: no plugin at \(pluginPath) (make plugin builds it)\n".utf8))
            throw ExitCode.failure
        }
        let demo = try await DemoFleet.prepare(in: folder)
        printLine("castellan stack: working folder \(folder)")

        var logger = Logger(label: "castellan")
        logger.logLevel = .warning
        let server = try await CastellanServer(configuration: demo.configuration, logger: logger)
        let service = Task { try await server.run() }
        await server.context.bridge.wait()
        try await demo.enrolMissingDevices(into: server.context.store)

        let conf = MosquittoConf(
            plugin: pluginPath, socket: demo.configuration.bridgeSocket, brokerID: "castellan-stack", timeoutMilliseconds: 200,
            user: MosquittoConfCommand.currentUser(), version: MosquittoConfCommand.installedVersion(executable: mosquitto) ?? .v2_0,
            listeners: [.init(.plain, port: port, bind: "127.0.0.1"), .init(.clientCertificate, port: tlsPort, bind: "127.0.0.1")],
            certificate: .init(caFile: demo.caFile, prefix: demo.brokerPrefix))
        let broker = try MosquittoProcess.start(executable: mosquitto, conf: conf.text, folder: folder)
        printLine("mosquitto: plain 127.0.0.1:\(port), mTLS 127.0.0.1:\(tlsPort) (log: \(folder)/mosquitto.log)\n")
        // EST is on in the stack: devices can enrol with a token from `castellan device enrol-token`.
        let estSettings = demo.configuration.est ?? ESTSettings(
            host: "127.0.0.1", port: estPort, certificateFile: demo.brokerPrefix + ".pem", keyFile: demo.brokerPrefix + ".key")
        let fleet = Fleet(store: server.context.store, configuration: demo.configuration,
                          now: { Int64(Date().timeIntervalSince1970.rounded(.down)) })
        let est = ESTServer(settings: estSettings, fleet: fleet, rateLimit: demo.configuration.rateLimit, logger: logger)
        let estTask = Task {
            do {
                try await est.run { port in printLine("EST: https://\(estSettings.host):\(port)/.well-known/est/\n") }
            } catch {
                if !Task.isCancelled { FileHandle.standardError.write(Data("castellan stack: EST server stopped: \(error)\n".utf8)) }
            }
        }
        defer { estTask.cancel() }

        for (device, client) in try await demo.clients(port: port, tlsPort: tlsPort, store: server.context.store) {
            let outcome: String
            do {
                let result = try await client.connect()
                let puback = try await client.publish(topic: "devices/\(device.name)/hello", payload: Array("hi".utf8), qos: .atLeastOnce)
                outcome = "connected (CONNACK \(result.reasonCode)), published to devices/\(device.name)/hello (PUBACK \(puback))"
                await client.disconnect()
            } catch {
                outcome = "FAILED: \(error)"
            }
            printLine("  \(device.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(device.method.padding(toLength: 12, withPad: " ", startingAt: 0)) \(outcome)")
        }
        printLine("\nsupervision tree:\n" + SnapshotText.render(await server.tree.snapshot()))
        printLine("\nrunning; restarts show below. Ctrl-C stops mosquitto and the service.\n")

        let events = server.tree.events()
        let printer = Task { for await event in events { printLine(EventLine.text(event)) } }
        let signals = onTerminationSignal { Task { await server.stop() } }
        defer { signals.forEach { $0.cancel() } }
        let outcome = await service.result
        broker.stop()
        server.tree.environment.events.finish()
        await printer.value
        if case .failure(let error) = outcome {
            FileHandle.standardError.write(Data("castellan stack: the root supervisor gave up: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
