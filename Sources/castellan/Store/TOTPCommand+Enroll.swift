import ArgumentParser
import CastellanAuth
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

        /// The `--json` output.
        struct Enrolment: Encodable {
            let uri: String
            let secret: String
            let algorithm: String
            let digits: Int
            let period: Int
        }

        func execute(_ environment: CommandEnvironment) async throws {
            var chosenAlgorithm: OTPAlgorithm?
            if let algorithm {
                guard let parsed = try? OTPAlgorithm(parsing: algorithm) else {
                    throw CommandFailure.usage("--algorithm must be SHA1, SHA256 or SHA512")
                }
                chosenAlgorithm = parsed
            }
            var chosenDigits: Int?
            if let digits {
                guard digits == "6" || digits == "8" else { throw CommandFailure.usage("--digits must be 6 or 8") }
                chosenDigits = Int(digits)
            }
            var chosenPeriod: Int?
            if let period {
                guard period.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(period), TOTP.periodRange.contains(value) else {
                    throw CommandFailure.usage("--period must be a whole number of seconds from 1 to 300")
                }
                chosenPeriod = value
            }
            let device = try Arguments.device(id)
            let (configuration, store) = try await config.openStore(environment)
            guard let record = try await store.device(device) else { throw StoreError.unknownDevice(device.rawValue) }
            guard record.policy.requiresTOTP else {
                throw CommandFailure.refused("device \(device) has policy \(record.policy), which uses no TOTP code")
            }
            let defaults = configuration.totp
            let totp = try TOTP(
                secret: TOTPSecret.generate(using: configuration.entropySource(system: environment.entropy), algorithm: chosenAlgorithm ?? defaults.algorithm),
                algorithm: chosenAlgorithm ?? defaults.algorithm,
                digits: chosenDigits ?? defaults.digits,
                period: chosenPeriod ?? defaults.period)
            let uri: OTPAuthURI
            do { uri = try OTPAuthURI(issuer: defaults.issuer, account: device.rawValue, totp: totp) } catch {
                throw CommandFailure.refused("device id \(device) cannot be an otpauth account name: \(error)")
            }
            try await store.setTOTP(totp, device: device)
            if json {
                environment.output.out(try Arguments.json(Enrolment(
                    uri: uri.uri, secret: totp.secret.base32, algorithm: totp.algorithm.name, digits: totp.digits,
                    period: totp.period)))
            } else {
                environment.output.out(uri.uri)
                // Level M: the code is read off a screen, where glare and moiré cost more than the
                // few extra modules do; a typical URI is version 7 (53 columns with the quiet zone).
                do {
                    let code = try QRCode(encoding: Array(uri.uri.utf8), level: .medium)
                    for line in code.terminalLines() { environment.output.out(line) }
                    environment.output.err("Scan the QR code (drawn for a dark terminal background) or paste the URI into the authenticator app; the secret is not shown again.")
                } catch {
                    environment.output.err("(no QR code: \(error); paste the URI into the authenticator app; the secret is not shown again)")
                }
            }
        }
    }
}
