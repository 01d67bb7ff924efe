import ArgumentParser
import CastellanStore

/// `castellan init [--dir DIR] [--store URL] [--master-key FILE] [--tls-password-port PORT]`: a new, complete setup in DIR.
struct InitCommand: StoreSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create castellan.yaml, a master key, an admin token and the database in a folder.",
        discussion: """
            Refuses (exit 1, nothing written) if a setup already exists there. The only command that creates a store: \
            every other one refuses a store that does not exist. For a store that exists already (a second service on a \
            shared PostgreSQL store), give that store's master key with --master-key; it is copied into DIR and checked.
            """
    )
    static let label = "init"

    @Option(help: "The folder to create the setup in (created if missing).")
    var dir: String = "."

    @Option(help: "The store URL: sqlite:PATH (relative to DIR), or postgres://USER@HOST/DB (…?host=/socket/dir for a Unix socket): that database must exist; init migrates it.")
    var store: String = CastellanSetup.defaultStore

    @Option(name: .customLong("master-key"), help: "The master key file of the existing store named by --store.")
    var masterKey: String?

    @Option(name: .customLong("tls-password-port"),
            help: "The broker's TLS password listener, where SCRAM -PLUS is offered (broker.tls_password_port; 0: none).")
    var tlsPasswordPort: Int = CastellanConfiguration.defaultTLSPasswordPort

    func execute(_ environment: CommandEnvironment) async throws {
        let directory = dir.hasPrefix("/") ? dir : "\(environment.workingDirectory)/\(dir)"
        let result: CastellanSetup.Result
        do {
            let key = try masterKey.map { try MasterKey.load(from: $0.hasPrefix("/") ? $0 : "\(environment.workingDirectory)/\($0)") }
            result = try await CastellanSetup.create(
                in: directory, store: store, tlsPasswordPort: tlsPasswordPort, entropy: environment.entropy, masterKey: key)
        } catch {
            throw CommandFailure.refused("\(error)")
        }
        environment.output.out("created \(result.configuration)")
        environment.output.out("created \(result.masterKey) (mode 0600)")
        environment.output.out("created \(result.adminToken) (mode 0600)")
        // A postgres:// URL may hold a password: print it redacted.
        let shown = result.store.hasPrefix("sqlite:") ? result.store : ((try? StoreURL(parsing: result.store, relativeTo: directory))?.description ?? "postgres://…")
        environment.output.out(masterKey == nil ? "created store \(shown)" : "set up for the existing store \(shown) (its master key checked)")
    }
}
