import ArgumentParser
import CastellanStore
import Foundation

/// `castellan key rotate`: a new master key, every TOTP secret re-sealed under it.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Manage the master key.",
        subcommands: [Rotate.self]
    )

    /// `key rotate`.
    ///
    /// Order: the new key goes to `FILE.new` (created 0600, exclusively), every secret is
    /// re-sealed in one transaction, then `FILE.new` is renamed over `FILE` (atomic). A failed
    /// re-seal removes `FILE.new` and changes nothing. If the process dies between the commit
    /// and the rename, `FILE.new` holds the key the database needs: the next rotate refuses
    /// and says so, and `mv FILE.new FILE` completes it.
    struct Rotate: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate", abstract: "Generate a new master key and re-seal every TOTP secret in one transaction.")
        static let label = "key rotate"

        @OptionGroup var config: ConfigOption

        func execute(_ environment: CommandEnvironment) async throws {
            let configuration = try config.load(environment)
            let keyFile = configuration.masterKeyFile
            let pending = keyFile + ".new"
            guard !FileManager.default.fileExists(atPath: pending) else {
                throw CommandFailure.refused(
                    "\(pending) exists: an earlier rotation was interrupted; if the database was re-sealed, move it over \(keyFile), otherwise delete it")
            }
            let oldKey = try MasterKey.load(from: keyFile)
            let store = try await StoreOpener.open(configuration.store, masterKey: oldKey)
            let newKey = try MasterKey.generate(using: environment.entropy)
            do { try newKey.create(at: pending) } catch { throw CommandFailure.refused(error.description) }
            do {
                try await store.rotateMasterKey(to: newKey)
            } catch {
                unlink(pending)
                throw error
            }
            guard rename(pending, keyFile) == 0 else {
                throw CommandFailure.refused(
                    "secrets were re-sealed but \(pending) could not be moved over \(keyFile): move it by hand")
            }
            environment.output.out("rotated the master key in \(keyFile); every TOTP secret is re-sealed")
        }
    }
}
