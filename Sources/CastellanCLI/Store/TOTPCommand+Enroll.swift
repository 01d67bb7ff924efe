import ArgumentParser
import QRCode
import CastellanAuth
import CastellanFleet
import CastellanStore

extension TOTPCommand {
    /// `totp enroll ID [--algorithm A] [--digits 6|8] [--period S] [--json]`.
    struct Enroll: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "enroll",
            abstract: "Give a device a new TOTP secret and print its otpauth:// URI and a QR code of it.",
            discussion: "Replaces any earlier secret. The secret is sealed at rest under the master key; this is the only time it is shown. The QR code is drawn with block characters for a dark terminal background; --json prints no QR code."
        )
        static let label = "totp enroll"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Option(help: "SHA1, SHA256 or SHA512 (default: the configuration's totp.algorithm).") var algorithm: String?
        @Option(help: "6 or 8 (default: the configuration's totp.digits).") var digits: String?
        @Option(help: "Seconds per code, 1...300 (default: the configuration's totp.period).") var period: String?
        @Flag(help: "Print a JSON object with uri, secret, algorithm, digits and period.") var json = false

        func execute(_ environment: CommandEnvironment) async throws {
            let choice = try Fleet.TOTPChoice(algorithm: algorithm, digits: digits, period: period) { "--\($0)" }
            let device = try Arguments.device(id)
            let enrolment = try await config.openFleet(environment).enrollTOTP(device, choice: choice)
            if json {
                environment.output.out(try Arguments.json(enrolment))
            } else {
                environment.output.out(enrolment.uri)
                // Level M: the code is read off a screen, where glare and moiré cost more than the
                // few extra modules do; a typical URI is version 7 (53 columns with the quiet zone).
                do {
                    let code = try QRCode(encoding: Array(enrolment.uri.utf8), level: .medium)
                    for line in code.terminalLines() { environment.output.out(line) }
                    environment.output.err("Scan the QR code (drawn for a dark terminal background) or paste the URI into the authenticator app; the secret is not shown again.")
                } catch {
                    environment.output.err("(no QR code: \(error); paste the URI into the authenticator app; the secret is not shown again)")
                }
            }
        }
    }
}
