@testable import CastellanCLI
import SupervisionTesting
import ArgumentParser
import CastellanAuth
import CastellanStore
import Foundation

/// What one CLI invocation did.
struct CLIResult {
    let status: Int32
    let output: String
    let error: String
}

/// Runs `castellan ARGUMENTS` through the real parser and command logic, output captured.
///
/// Parse errors map to exit 2, as `Castellan.main` maps them.
func runCLI(
    _ arguments: [String], in workingDirectory: String, stdin: [UInt8] = [], variables: [String: String] = [:]
) async -> CLIResult {
    let output = CommandOutput(captured: true)
    let environment = CommandEnvironment(
        variables: variables, workingDirectory: workingDirectory, readStandardInput: { stdin },
        entropy: SystemEntropy(), now: { 1_700_000_000 }, output: output)
    let command: any ParsableCommand
    do {
        command = try Castellan.parseAsRoot(arguments)
    } catch {
        let code = Castellan.exitCode(for: error)
        return CLIResult(status: code == .validationFailure ? 2 : code.rawValue, output: "", error: Castellan.fullMessage(for: error))
    }
    guard let storeCommand = command as? any StoreSubcommand else {
        return CLIResult(status: -1, output: "", error: "not a store command")
    }
    let status = await storeCommand.run(in: environment)
    return CLIResult(status: status, output: output.standardOutput, error: output.standardError)
}

/// A folder set up by `castellan init`, for CLI tests.
struct CLIFixture {
    let directory = TemporaryDirectory()

    init() async throws {
        let result = await runCLI(["init", "--dir", "setup"], in: directory.path)
        guard result.status == 0 else { throw CLIFixtureError(message: result.error) }
    }

    var setup: String { directory.file("setup") }
    var config: String { directory.file("setup/castellan.yaml") }

    /// Runs a command with `--config` pointing at the fixture's configuration.
    func run(_ arguments: [String], stdin: [UInt8] = []) async -> CLIResult {
        await runCLI(arguments + ["--config", config], in: directory.path, stdin: stdin)
    }

    /// Opens the fixture's store directly, to check what a command wrote.
    func openStore() throws -> SQLiteStore {
        let configuration = try CastellanConfiguration.load(config)
        guard case .sqlite(let path) = configuration.store else { throw CLIFixtureError(message: "not sqlite") }
        return try SQLiteStore(path: path, masterKey: MasterKey.load(from: configuration.masterKeyFile))
    }

    /// A logical dump of the store: devices, credentials (presence and parameters), rules, audit size.
    func snapshot() async throws -> String {
        let store = try openStore()
        var lines: [String] = []
        for device in try await store.devices() {
            let scram = try await store.scramCredential(device: device.id)
            let totp = try await store.totpEnrolment(device: device.id)
            lines.append("\(device) scram=\(String(describing: scram)) totp=\(totp.map { "\($0.totp) \($0.totp.secret.base32)" } ?? "nil") lockout=\(try await store.record(for: device.id))")
        }
        for rule in try await store.rules(scope: nil) { lines.append("\(rule)") }
        lines.append("audit=\(try await store.recentAudit(limit: 1000).count)")
        return lines.joined(separator: "\n")
    }
}

struct CLIFixtureError: Error { let message: String }
