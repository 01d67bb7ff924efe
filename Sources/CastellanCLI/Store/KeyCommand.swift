import ArgumentParser
import CastellanFleet

/// `castellan key rotate`: a new master key, every TOTP secret re-sealed under it.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Manage the master key.",
        subcommands: [Rotate.self]
    )

    /// `key rotate` (the order of its steps, and recovery from an interrupted one:
    /// ``Fleet/rotateMasterKey()``).
    struct Rotate: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate", abstract: "Generate a new master key and re-seal every TOTP secret in one transaction.")
        static let label = "key rotate"

        @OptionGroup var config: ConfigOption

        func execute(_ environment: CommandEnvironment) async throws {
            let fleet = try await config.openFleet(environment)
            try await fleet.rotateMasterKey()
            environment.output.out("rotated the master key in \(fleet.masterKeyFile ?? ""); every TOTP secret is re-sealed")
        }
    }
}
