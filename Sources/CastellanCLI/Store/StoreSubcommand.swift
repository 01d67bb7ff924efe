import ArgumentParser
import CastellanAuth
import CastellanFleet
import CastellanStore
import Foundation

/// A `castellan` subcommand whose logic is ``execute(_:)``, callable from tests.
///
/// `run()` executes against the real process; tests call ``run(in:)`` with a captured
/// ``CommandEnvironment``. Every failure becomes one line on stderr, prefixed with the command
/// name, and an exit status: 1 refused, 2 usage.
protocol StoreSubcommand: AsyncParsableCommand {
    /// `device add`, `scram set`…: the prefix of error lines.
    static var label: String { get }
    /// The command's logic; throws ``CommandFailure`` (or a store/config error, mapped to 1).
    func execute(_ environment: CommandEnvironment) async throws
}

extension StoreSubcommand {
    /// Runs the command and returns its exit status; errors are written to `environment.output`.
    func run(in environment: CommandEnvironment) async -> Int32 {
        do {
            try await execute(environment)
            return 0
        } catch let failure as CommandFailure {
            environment.output.err("castellan \(Self.label): \(failure.description)")
            return failure.status
        } catch let failure as FleetError {
            environment.output.err("castellan \(Self.label): \(failure.description)")
            return failure.exitStatus
        } catch {
            environment.output.err("castellan \(Self.label): \(error)")
            return 1
        }
    }

    /// Runs against the real process; a non-zero status exits with it.
    mutating func run() async throws {
        let status = await run(in: .process())
        if status != 0 { throw ExitCode(status) }
    }
}

/// The `--config FILE` option every store command takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .customLong("config"), help: "castellan.yaml to use (default: $CASTELLAN_CONFIG, else ./castellan.yaml).")
    var file: String?

    /// Loads the configuration this option (or the environment, or the default) names.
    func load(_ environment: CommandEnvironment) throws -> CastellanConfiguration {
        let path = ConfigurationLocator.locate(
            option: file, environment: environment.variables, workingDirectory: environment.workingDirectory)
        do { return try CastellanConfiguration.load(path) } catch { throw CommandFailure.refused(error.description) }
    }

    /// Loads the configuration and master key, and opens the store.
    func openStore(_ environment: CommandEnvironment) async throws -> (CastellanConfiguration, any CredentialStore) {
        let configuration = try load(environment)
        let key = try MasterKey.load(from: configuration.masterKeyFile)
        return (configuration, try await StoreOpener.open(configuration.store, masterKey: key))
    }

    /// Opens the store and the fleet operations over it, with the environment's entropy and clock.
    func openFleet(_ environment: CommandEnvironment) async throws -> Fleet {
        let (configuration, store) = try await openStore(environment)
        return Fleet(store: store, configuration: configuration, systemEntropy: environment.entropy, now: environment.now)
    }
}

/// Argument checks shared by the store commands (the rules themselves live in ``Fleet``).
enum Arguments {
    /// A device id obeying the identity rules; refused (exit 1) otherwise.
    static func device(_ text: String) throws(FleetError) -> DeviceID {
        try Fleet.deviceID(text)
    }

    /// A group name obeying the identity rules; refused (exit 1) otherwise.
    static func group(_ text: String) throws(FleetError) -> DeviceGroup {
        try Fleet.group(text)
    }

    /// JSON text of a value, keys sorted, slashes unescaped.
    static func json(_ value: some Encodable, pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
