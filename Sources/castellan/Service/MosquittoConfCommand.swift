import ArgumentParser
import CastellanService
import CastellanStore
import Foundation

/// `castellan mosquitto-conf`: prints a working, hardened mosquitto.conf for this setup.
struct MosquittoConfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mosquitto-conf", abstract: "Print a hardened mosquitto.conf that loads the Castellan plugin.")

    @OptionGroup var config: ConfigOption
    @Option(help: "Plain TCP listener port.") var port = 1883
    @Option(name: .customLong("tls-port"), help: "TLS listener port (client certificates required); 0 for none.") var tlsPort = 8883
    @Option(help: "The plugin (castellan_mosquitto.so); default: found next to castellan, in /usr/lib/castellan, or in ./.build-plugin.")
    var plugin: String?
    @Option(help: "The account mosquitto runs as (default: the one running this command).") var user: String?
    @Option(name: .customLong("server-cert"), help: "PREFIX of the broker certificate from `castellan cert server --out PREFIX` (default: broker, beside castellan.yaml).")
    var serverCert: String?
    @Option(help: "Address the listeners bind to (default: all).") var bind: String?
    @Option(name: .customLong("broker-id"), help: "This broker's name in the audit trail (default: the host name).") var brokerID: String?
    @Option(name: .customLong("timeout-ms"), help: "How long the plugin waits for a decision before denying.") var timeoutMs = 10

    func validate() throws {
        for (name, value) in [("--port", port), ("--tls-port", tlsPort)] where !(0...65_535).contains(value) {
            throw ValidationError("\(name) must be 0…65535")
        }
        guard port != 0 else { throw ValidationError("--port must not be 0") }
        guard tlsPort != port else { throw ValidationError("--tls-port must differ from --port") }
        guard (1...10_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must be 1…10000") }
    }

    func run() throws {
        let environment = CommandEnvironment.process()
        do {
            let configuration = try config.load(environment)
            let workingDirectory = environment.workingDirectory
            func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : workingDirectory + "/" + path }
            guard let plugin = plugin.map(absolute) ?? Self.defaultPlugin(workingDirectory: workingDirectory) else {
                throw CommandFailure.refused("castellan_mosquitto.so not found; build it with `make plugin` and pass --plugin PATH")
            }
            guard FileManager.default.fileExists(atPath: plugin) else { throw CommandFailure.refused("no plugin at \(plugin)") }
            var tls: MosquittoConf.TLS?
            if tlsPort != 0 {
                let prefix = serverCert.map(absolute) ?? configuration.directory + "/broker"
                let files = MosquittoConf.TLS(port: tlsPort, caFile: configuration.caDirectory + "/ca.pem",
                                              certificateFile: prefix + ".pem", keyFile: prefix + ".key")
                for file in [files.caFile, files.certificateFile, files.keyFile] where !FileManager.default.fileExists(atPath: file) {
                    throw CommandFailure.refused("\(file) is missing: run `castellan ca init` and `castellan cert server --out \(prefix)`, or pass --tls-port 0")
                }
                tls = files
            }
            let conf = MosquittoConf(
                plugin: plugin, socket: configuration.bridgeSocket, brokerID: brokerID ?? ProcessInfo.processInfo.hostName,
                timeoutMilliseconds: timeoutMs, user: user ?? Self.currentUser(), bind: bind, port: port, tls: tls)
            print(conf.text, terminator: "")
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("castellan mosquitto-conf: \(failure)\n".utf8))
            throw ExitCode.failure
        } catch {
            FileHandle.standardError.write(Data("castellan mosquitto-conf: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    static func defaultPlugin(workingDirectory: String) -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        return [executable + "/castellan_mosquitto.so", "/usr/lib/castellan/castellan_mosquitto.so",
                workingDirectory + "/.build-plugin/castellan_mosquitto.so"]
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    static func currentUser() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "mosquitto" }
        return String(cString: name)
    }
}
