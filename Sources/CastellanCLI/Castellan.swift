import ArgumentParser
import CastellanBridge
import Foundation

/// The one `castellan` command: every feature is a subcommand. The executable target is a
/// `main.swift` calling ``start()``; the commands live here, in a library, so tests drive them
/// without importing an executable.
///
/// Exit codes are a contract for scripts: 0 ok, 1 refused, 2 usage error (ArgumentParser's
/// own default for usage errors, 64, is mapped to 2).
public struct Castellan: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "castellan",
        abstract: "Device authentication for Eclipse Mosquitto, run under an OTP-style supervision tree.",
        version: Castellan.version,
        subcommands: [
            TreeCommand.self, DemoCommand.self, TOTPCommand.self, BenchCommand.self,
            InitCommand.self, DeviceCommand.self, SCRAMCommand.self, ACLCommand.self, AuditCommand.self, KeyCommand.self,
            CACommand.self, CertCommand.self, ClientCommand.self, ServeCommand.self, ReloadCommand.self, MosquittoConfCommand.self, StackCommand.self,
            EventsCommand.self, ChaosCommand.self, ImportCommand.self,
        ]
    )

    public init() {}

    /// What `castellan --version` prints: this build, and the plugin link protocol it speaks (a
    /// plugin must speak the same: docs/bridge-protocol.md).
    public static let version = "castellan 0.7.0 (plugin link protocol \(BridgeFrame.version))"

    /// Parses the command line and runs the command; usage errors exit 2. (Not `main()`: from
    /// a `main.swift`, that name would pick ArgumentParser's synchronous entry point.)
    public static func start() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
