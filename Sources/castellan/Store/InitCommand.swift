import ArgumentParser
import CastellanStore

/// `castellan init [--dir DIR] [--store URL]`: a new, complete setup in DIR.
struct InitCommand: StoreSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create castellan.yaml, a master key, an admin token and the database in a folder.",
        discussion: "Refuses (exit 1, nothing written) if a setup already exists there."
    )
    static let label = "init"

    @Option(help: "The folder to create the setup in (created if missing).")
    var dir: String = "."

    @Option(help: "The store URL: sqlite:PATH (relative to DIR), or postgres://USER@HOST/DB (…?host=/socket/dir for a Unix socket): that database must exist; init migrates it.")
    var store: String = CastellanSetup.defaultStore

    func execute(_ environment: CommandEnvironment) async throws {
        let directory = dir.hasPrefix("/") ? dir : "\(environment.workingDirectory)/\(dir)"
        let result: CastellanSetup.Result
        do {
            result = try await CastellanSetup.create(in: directory, store: store, entropy: environment.entropy)
        } catch {
            throw CommandFailure.refused(error.description)
        }
        environment.output.out("created \(result.configuration)")
        environment.output.out("created \(result.masterKey) (mode 0600)")
        environment.output.out("created \(result.adminToken) (mode 0600)")
        // A postgres:// URL may hold a password: print it redacted.
        let shown = result.store.hasPrefix("sqlite:") ? result.store : ((try? StoreURL(parsing: result.store, relativeTo: directory))?.description ?? "postgres://…")
        environment.output.out("created store \(shown)")
    }
}
