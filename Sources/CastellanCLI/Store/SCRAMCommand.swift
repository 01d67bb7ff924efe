import ArgumentParser
import CastellanAuth
import CastellanFleet
import CastellanStore
import Foundation

/// `castellan scram set …`: the one password credential of a device, stored as SCRAM keys.
struct SCRAMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scram",
        abstract: "Manage SCRAM credentials (also used for plain MQTT passwords).",
        subcommands: [Set.self]
    )

    /// `scram set ID (--password-file F | --password-stdin) [--mechanism M] [--iterations N]`.
    struct Set: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a device's password; only the salt, iteration count, StoredKey and ServerKey are stored.",
            discussion: "The password loses one trailing newline, nothing else. It is never stored, printed or logged."
        )
        static let label = "scram set"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Option(help: "Read the password from this file.") var passwordFile: String?
        @Flag(help: "Read the password from standard input.") var passwordStdin = false
        @Option(help: "SCRAM-SHA-256 or SCRAM-SHA-512.") var mechanism: String = SCRAMMechanism.sha256.name
        @Option(help: "PBKDF2 iterations (at least \(SCRAMCredential.minimumIterations)).") var iterations: String = "\(SCRAMCredential.defaultIterations)"

        func execute(_ environment: CommandEnvironment) async throws {
            guard (passwordFile != nil) != passwordStdin else {
                throw CommandFailure.usage("give exactly one of --password-file F and --password-stdin")
            }
            let device = try Arguments.device(id)
            _ = try Fleet.NewPassword(password: "", mechanism: mechanism, iterations: iterations)
            let fleet = try await config.openFleet(environment)
            let password = try Fleet.NewPassword(
                password: try Self.password(fromFile: passwordFile, environment: environment), mechanism: mechanism, iterations: iterations)
            try await fleet.setPassword(password, device: device)
            environment.output.out("set \(password.mechanism) credential for device \(device) (\(password.iterations) iterations)")
            environment.output.out(Following.note("sessions that authenticated with the old password"))
        }

        /// The password bytes as text, without one trailing newline.
        static func password(fromFile path: String?, environment: CommandEnvironment) throws -> String {
            var bytes: [UInt8]
            if let path {
                let absolute = path.hasPrefix("/") ? path : "\(environment.workingDirectory)/\(path)"
                guard let data = FileManager.default.contents(atPath: absolute) else {
                    throw CommandFailure.refused("cannot read password file \(path)")
                }
                bytes = Array(data)
            } else {
                bytes = environment.readStandardInput()
            }
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CommandFailure.refused("password refused: not valid UTF-8")
            }
            return text
        }
    }
}
