import ArgumentParser
import CastellanCA
import Foundation
import X509

/// `castellan ca …`: the device certificate authority itself.
struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "Create the device certificate authority.", subcommands: [Init.self])

    /// `castellan ca init [--subject DN] [--key ecdsa-p256|ecdsa-p384] [--validity-days N]`.
    struct Init: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Write ca.pem and ca.key (0600) into the configured CA folder; never overwrites.")
        static let label = "ca init"

        @OptionGroup var config: ConfigOption
        @Option(help: "The CA's subject, e.g. \"CN=Castellan Device CA,O=Example\".")
        var subject = "CN=Castellan Device CA"
        @Option(help: "ecdsa-p256 or ecdsa-p384.")
        var key = "ecdsa-p256"
        @Option(name: .customLong("validity-days"), help: "How long the CA certificate is valid.")
        var validityDays = 3650

        func execute(_ environment: CommandEnvironment) async throws {
            guard let keyType = CertificateAuthority.KeyType(rawValue: key) else {
                throw CommandFailure.usage("--key must be ecdsa-p256 or ecdsa-p384")
            }
            let configuration = try config.load(environment)
            let ca = try CAContext.refusing {
                try CertificateAuthority.create(
                    in: configuration.caDirectory, subject: try DistinguishedName(parsing: subject), keyType: keyType,
                    validityDays: validityDays, now: Date(timeIntervalSince1970: TimeInterval(environment.now())),
                    entropy: configuration.entropySource(system: environment.entropy))
            }
            environment.output.out("created \(configuration.caDirectory)/\(CertificateAuthority.certificateFile) (\(ca.certificate.subject))")
        }
    }
}

/// Turns the CA's errors into refusals (exit 1) with their own message.
enum CAContext {
    static func refusing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CAError { throw CommandFailure.refused(error.description) }
    }
}
