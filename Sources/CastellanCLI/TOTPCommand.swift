import ArgumentParser
import CastellanAuth
import Foundation

/// `castellan totp …`: TOTP tools (`code` needs no configuration, `enroll` uses the store).
struct TOTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp",
        abstract: "TOTP tools.",
        subcommands: [Code.self, Enroll.self, Remove.self]
    )

    /// `castellan totp code`: print the code for a secret, to check a device's clock or the RFC vectors.
    struct Code: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "code",
            abstract: "Print the TOTP code for a base32 secret at a time (default: now).",
            discussion: "Bad input prints one line on stderr and exits with status 2."
        )

        // Numbers are taken as text and parsed here so that every bad value exits with status 2.
        @Option(help: "The shared secret in base32 (padding optional, either case; at least 160 bits).")
        var secret: String?

        @Option(help: "Unix time in seconds (default: now).")
        var time: String?

        @Option(help: "SHA1, SHA256 or SHA512.")
        var algorithm: String = "SHA1"

        @Option(help: "Code length: 6, 7 or 8.")
        var digits: String = "6"

        @Option(help: "Time step in seconds (1...300).")
        var period: String = "30"

        func run() throws {
            do {
                print(try code())
            } catch {
                FileHandle.standardError.write(Data("castellan totp code: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }

        private func code() throws -> String {
            guard let secret else { throw UsageError("--secret is required") }
            guard let digits = Int(digits) else { throw UsageError("--digits must be a whole number") }
            guard let period = Int(period) else { throw UsageError("--period must be a whole number of seconds") }
            let unixTime: Int64
            if let time {
                guard let parsed = Int64(time) else { throw UsageError("--time must be a whole number of Unix seconds") }
                unixTime = parsed
            } else {
                unixTime = Int64(Date().timeIntervalSince1970.rounded(.down))
            }
            return try TOTP.code(base32Secret: secret, algorithm: algorithm, digits: digits, period: period, at: unixTime)
        }
    }
}

/// A one-line complaint about command-line input.
private struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
