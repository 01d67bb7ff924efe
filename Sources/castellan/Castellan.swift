import ArgumentParser
import Foundation

/// The one `castellan` executable: every feature is a subcommand.
///
/// Exit codes are a contract for scripts: 0 ok, 1 refused, 2 usage error (ArgumentParser's
/// own default for usage errors, 64, is mapped to 2).
@main
struct Castellan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "castellan",
        abstract: "Device authentication for Eclipse Mosquitto, run under an OTP-style supervision tree.",
        subcommands: [
            TreeCommand.self, DemoCommand.self, TOTPCommand.self, BenchCommand.self,
            InitCommand.self, DeviceCommand.self, SCRAMCommand.self, ACLCommand.self, AuditCommand.self, KeyCommand.self,
            CACommand.self, CertCommand.self, ClientCommand.self, ServeCommand.self, ReloadCommand.self, MosquittoConfCommand.self, StackCommand.self,
            EventsCommand.self, ChaosCommand.self,
        ]
    )

    static func main() async {
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
