import ArgumentParser
import CastellanService
import CastellanStore
import Foundation

extension MosquittoConf.Version: ExpressibleByArgument {}

/// `castellan mosquitto-conf`: prints a working, hardened mosquitto.conf for this setup.
struct MosquittoConfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mosquitto-conf", abstract: "Print a hardened mosquitto.conf that loads the Castellan plugin.")

    @OptionGroup var config: ConfigOption
    @Option(help: "Plain TCP listener port, on 127.0.0.1 unless --bind says otherwise; 0 for none.") var port = 1883
    @Option(name: .customLong("tls-port"), help: "TLS listener port for certificate devices (client certificate required); 0 for none.")
    var tlsPort = 8883
    @Option(name: .customLong("tls-password-port"),
            help: "TLS listener port for password, TOTP and SCRAM devices (broker certificate only; SCRAM -PLUS there); 0 for none (default: broker.tls_password_port of castellan.yaml, 8884).")
    var tlsPasswordPort: Int?
    @Option(help: "The plugin (castellan_mosquitto.so); default: found next to castellan, in /usr/lib/castellan, or in ./.build-plugin.")
    var plugin: String?
    @Option(help: "The account mosquitto runs as (default: the one running this command, or mosquitto instead of root).") var user: String?
    @Option(name: .customLong("server-cert"), help: "PREFIX of the broker certificate (default: the one `castellan cert server --out PREFIX` recorded, else broker beside castellan.yaml).")
    var serverCert: String?
    @Option(help: "Address every listener binds to (default: all interfaces for TLS, 127.0.0.1 for plain TCP).") var bind: String?
    @Option(name: .customLong("mosquitto-version"), help: "2.0 or 2.1 (default: asks the mosquitto on PATH; 2.0 without one).")
    var mosquittoVersion: MosquittoConf.Version?
    @Option(name: .customLong("broker-id"), help: "This broker's name in the audit trail (default: the host name).") var brokerID: String?
    @Option(name: .customLong("timeout-ms"), help: "How long the plugin waits for a decision before denying (docs/plugin.md, Choosing the deadline).") var timeoutMs = 50

    func validate() throws {
        // The ports are checked in run(), once castellan.yaml has said which is the TLS password one.
        guard (1...10_000).contains(timeoutMs) else { throw ValidationError("--timeout-ms must be 1…10000") }
    }

    static func checkPorts(port: Int, tlsPort: Int, tlsPasswordPort: Int) throws(ValidationError) {
        let ports = [("--port", port), ("--tls-port", tlsPort), ("--tls-password-port", tlsPasswordPort)]
        for (name, value) in ports where !(0...65_535).contains(value) {
            throw ValidationError("\(name) must be 0…65535")
        }
        let open = ports.filter { $0.1 != 0 }
        guard !open.isEmpty else { throw ValidationError("every listener is turned off (0); keep at least one") }
        for (index, (name, value)) in open.enumerated() {
            if let other = open[..<index].first(where: { $0.1 == value }) {
                throw ValidationError("\(name) must differ from \(other.0)")
            }
        }
    }

    /// The TLS password listener's port: the one castellan.yaml names, where the service offers
    /// SCRAM `-PLUS` (it learns a connection's listener from the plugin). Another port there
    /// would refuse every `-PLUS` device, so it is refused here; 0 (no such listener) is fine.
    static func checkPasswordPort(_ port: Int, configuration: CastellanConfiguration) throws(CommandFailure) {
        let configured = configuration.tlsPasswordPort
        guard port == 0 || port == configured else {
            throw .refused("--tls-password-port \(port) differs from broker.tls_password_port (\(configured)) in \(configuration.file): "
                + "the service offers SCRAM -PLUS on that port only. Change it there (then `castellan reload`), or leave the option out")
        }
    }

    func run() throws {
        let environment = CommandEnvironment.process()
        do {
            let configuration = try config.load(environment)
            let tlsPasswordPort = tlsPasswordPort ?? configuration.tlsPasswordPort
            do {
                try Self.checkPorts(port: port, tlsPort: tlsPort, tlsPasswordPort: tlsPasswordPort)
            } catch {
                throw CommandFailure.usage(error.message)
            }
            try Self.checkPasswordPort(tlsPasswordPort, configuration: configuration)
            let workingDirectory = environment.workingDirectory
            func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : workingDirectory + "/" + path }
            guard let plugin = plugin.map(absolute) ?? Self.defaultPlugin(workingDirectory: workingDirectory) else {
                throw CommandFailure.refused("castellan_mosquitto.so not found; build it with `make plugin` and pass --plugin PATH")
            }
            guard FileManager.default.fileExists(atPath: plugin) else { throw CommandFailure.refused("no plugin at \(plugin)") }
            var certificate: MosquittoConf.ServerCertificate?
            if tlsPort != 0 || tlsPasswordPort != 0 {
                let prefix = serverCert.map(absolute) ?? configuration.brokerCertificatePrefix
                if tlsPasswordPort != 0 && prefix != configuration.brokerCertificatePrefix {
                    // The service binds -PLUS exchanges to the recorded certificate, not this one.
                    FileHandle.standardError.write(Data(("castellan mosquitto-conf: warning: the service binds SCRAM -PLUS to "
                        + "\(configuration.brokerCertificatePrefix).pem; with \(prefix).pem on the broker every -PLUS device is refused "
                        + "(run `castellan cert server --out \(prefix)` to record it)\n").utf8))
                }
                let files = MosquittoConf.ServerCertificate(caFile: configuration.caDirectory + "/ca.pem", prefix: prefix)
                for file in [files.caFile, files.certificateFile, files.keyFile] where !FileManager.default.fileExists(atPath: file) {
                    throw CommandFailure.refused(
                        "\(file) is missing: run `castellan ca init` and `castellan cert server --out \(prefix)`, or pass --tls-port 0 --tls-password-port 0")
                }
                certificate = files
            }
            // Plain TCP carries passwords, TOTP codes and SCRAM exchanges in clear: this machine
            // only, unless the operator names another address.
            let listeners = [
                MosquittoConf.Listener(.plain, port: port, bind: bind ?? "127.0.0.1"),
                MosquittoConf.Listener(.clientCertificate, port: tlsPort, bind: bind),
                MosquittoConf.Listener(.password, port: tlsPasswordPort, bind: bind),
            ].filter { $0.port != 0 }
            let conf = MosquittoConf(
                plugin: plugin, socket: configuration.bridgeSocket, brokerID: brokerID ?? ProcessInfo.processInfo.hostName,
                timeoutMilliseconds: timeoutMs, user: user ?? Self.defaultUser(),
                version: mosquittoVersion ?? Self.installedVersion() ?? .v2_0, listeners: listeners, certificate: certificate)
            print(conf.text, terminator: "")
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("castellan mosquitto-conf: \(failure)\n".utf8))
            throw ExitCode.failure
        } catch {
            FileHandle.standardError.write(Data("castellan mosquitto-conf: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The line of `executable` (by default the `mosquitto` on PATH; `mosquitto -h` prints its
    /// version first), if it runs.
    static func installedVersion(executable: String = "mosquitto") -> MosquittoConf.Version? {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable, "-h"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return MosquittoConf.Version(helpOutput: String(decoding: data, as: UTF8.self))
    }

    /// The account running this command, or `mosquitto` instead of root: a broker running as
    /// root would hand every flaw in it the whole machine.
    static func defaultUser() -> String {
        let name = currentUser()
        return name == "root" ? "mosquitto" : name
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
