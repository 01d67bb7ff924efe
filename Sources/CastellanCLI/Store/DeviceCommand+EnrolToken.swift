import ArgumentParser
import CastellanFleet

extension DeviceCommand {
    /// `device enrol-token ID [--ttl 24h] [--json]`: a one-time token for EST `simpleenroll`.
    struct EnrolToken: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "enrol-token",
            abstract: "Print a one-time token the device enrols with over EST (replaces any earlier token).",
            discussion: """
                The device sends its id and this token as HTTP Basic credentials to \
                /.well-known/est/simpleenroll (docs/provisioning.md). The token is shown once; the store \
                keeps only a salted HMAC of it. It works once, until it expires.
                """)
        static let label = "device enrol-token"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Option(help: "How long the token works: 60s to 30d, e.g. 30m, 24h, 7d.") var ttl = "24h"
        @Flag(help: "Print a JSON object with device, token and expires (Unix seconds).") var json = false

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            let lifetime = try Fleet.tokenLifetime(ttl, option: "--ttl")
            let token = try await config.openFleet(environment).createEnrolmentToken(for: device, lifetime: lifetime)
            environment.output.out(json ? try Arguments.json(token) : token.token)
        }
    }
}
