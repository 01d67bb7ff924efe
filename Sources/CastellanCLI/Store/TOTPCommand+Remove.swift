import ArgumentParser
import CastellanFleet

extension TOTPCommand {
    /// `totp remove ID`.
    struct Remove: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove a device's TOTP secret (a policy that needs TOTP then refuses its connects).")
        static let label = "totp remove"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            try await config.openFleet(environment).removeTOTP(device)
            environment.output.out("removed the TOTP secret of device \(device)")
            environment.output.out(Following.note("sessions that used it"))
        }
    }
}
