import ArgumentParser

/// The one `castellan` executable: every feature is a subcommand.
@main
struct Castellan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "castellan",
        abstract: "Device authentication for Eclipse Mosquitto, run under an OTP-style supervision tree.",
        subcommands: [TreeCommand.self, DemoCommand.self, TOTPCommand.self, BenchCommand.self]
    )
}
