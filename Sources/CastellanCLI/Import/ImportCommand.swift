import ArgumentParser
import CastellanFleet
import CastellanImport
import CastellanStore
import Foundation

/// `castellan import …`: take a fleet over from mosquitto's password file, dynamic-security or
/// mosquitto-go-auth — same usernames, same passwords, same topics (docs/migration.md).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import devices, passwords and rules from mosquitto's password file, dynamic-security or mosquitto-go-auth.",
        discussion: """
            Every device keeps its password: the imported hash is verified as the original tool verifies it, \
            and replaced with Castellan's own credential at the device's first successful login. \
            Use --dry-run first: it lists every device, group and rule, and every rule whose meaning changes.
            """,
        subcommands: [MosquittoPasswd.self, DynamicSecurity.self, GoAuth.self]
    )

    /// `--dry-run`, shared by the three.
    struct DryRun: ParsableArguments {
        @Flag(name: .customLong("dry-run"), help: "Print what would be imported and what changes meaning; write nothing.")
        var enabled = false
    }

    /// `import mosquitto-passwd FILE [--acl-file FILE] [--dry-run]`.
    struct MosquittoPasswd: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "mosquitto-passwd", abstract: "Import a mosquitto password_file (and its acl_file).")
        static let label = "import mosquitto-passwd"

        @OptionGroup var config: ConfigOption
        @OptionGroup var dryRun: DryRun
        @Argument(help: "The password file, as mosquitto_passwd writes it.") var file: String
        @Option(name: .customLong("acl-file"), help: "mosquitto's acl_file.") var aclFile: String?

        func execute(_ environment: CommandEnvironment) async throws {
            let passwords = try ImportFiles.read(file, environment)
            let acl = try aclFile.map { try ImportFiles.read($0, environment) }
            let plan = try ImportFiles.planned {
                try MosquittoPasswordImport.plan(passwordFile: file, passwords: passwords, aclFile: aclFile, acl: acl)
            }
            try await ImportFiles.apply(plan, dryRun: dryRun.enabled, config: config, environment)
        }
    }

    /// `import dynsec FILE [--dry-run]`.
    struct DynamicSecurity: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "dynsec", abstract: "Import a dynamic-security plugin configuration (dynamic-security.json).")
        static let label = "import dynsec"

        @OptionGroup var config: ConfigOption
        @OptionGroup var dryRun: DryRun
        @Argument(help: "The plugin's JSON file (plugin_opt_config_file).") var file: String

        func execute(_ environment: CommandEnvironment) async throws {
            let json = try ImportFiles.read(file, environment)
            let plan = try ImportFiles.planned { try DynamicSecurityImport.plan(file: file, json: json) }
            try await ImportFiles.apply(plan, dryRun: dryRun.enabled, config: config, environment)
        }
    }

    /// `import go-auth --passwords FILE [--acls FILE] [--salt-encoding base64|utf8] [--dry-run]`.
    struct GoAuth: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "go-auth", abstract: "Import mosquitto-go-auth's files backend (passwords and ACL file).")
        static let label = "import go-auth"

        @OptionGroup var config: ConfigOption
        @OptionGroup var dryRun: DryRun
        @Option(help: "auth_opt_password_path: the passwords file.") var passwords: String
        @Option(help: "auth_opt_acl_path: the ACL file.") var acls: String?
        @Option(name: .customLong("salt-encoding"), help: "auth_opt_hasher_salt_encoding: base64 (default) or utf8.")
        var saltEncoding = "base64"

        func execute(_ environment: CommandEnvironment) async throws {
            guard let encoding = GoAuthImport.SaltEncoding(rawValue: saltEncoding) else {
                throw CommandFailure.usage("--salt-encoding must be base64 or utf8")
            }
            let text = try ImportFiles.read(passwords, environment)
            let acl = try acls.map { try ImportFiles.read($0, environment) }
            let plan = try ImportFiles.planned {
                try GoAuthImport.plan(passwordFile: passwords, passwords: text, aclFile: acls, acl: acl, saltEncoding: encoding)
            }
            try await ImportFiles.apply(plan, dryRun: dryRun.enabled, config: config, environment)
        }
    }
}

/// What the three import commands share: reading files, printing the plan, applying it.
enum ImportFiles {
    /// The file's text; refused (exit 1) if it cannot be read or is not UTF-8.
    static func read(_ path: String, _ environment: CommandEnvironment) throws -> String {
        let resolved = path.hasPrefix("/") ? path : environment.workingDirectory + "/" + path
        guard let data = FileManager.default.contents(atPath: resolved) else { throw CommandFailure.refused("\(path): cannot read the file") }
        guard let text = String(validating: data, as: UTF8.self) else { throw CommandFailure.refused("\(path): not UTF-8 text") }
        return text
    }

    /// The plan, with a reader's ``ImportError`` (file and line) as the refusal.
    static func planned(_ read: () throws -> ImportPlan) throws -> ImportPlan {
        do { return try read() } catch let error as ImportError { throw CommandFailure.refused("\(error); nothing imported") }
    }

    /// Prints the plan — marking the devices the store holds already, which the import keeps as
    /// they are — then (unless a dry run) applies it in one transaction and prints what changed.
    static func apply(_ plan: ImportPlan, dryRun: Bool, config: ConfigOption, _ environment: CommandEnvironment) async throws {
        let output = environment.output
        // A dry run without a usable store still shows the plan; a real import needs the store.
        let fleet: Fleet?
        do {
            fleet = try await config.openFleet(environment)
        } catch where dryRun {
            fleet = nil
            output.out("store not opened (\(error)): cannot tell which devices exist already")
        }
        let stored = Set(try await fleet?.store.devices().map(\.id) ?? [])
        for device in plan.devices {
            let credential = device.legacy.map { "password \($0)" } ?? "no password"
            let groups = device.groups.isEmpty ? "" : " groups \(device.groups.map(\.rawValue).joined(separator: ","))"
            let clientID = device.clientID.map { ", client id bound to \($0)" } ?? ""
            let exists = stored.contains(device.id) ? " — already in the store: kept as it is (only missing groups are added)" : ""
            output.out("device \(device.id): \(credential)\(groups)\(clientID)\(device.enabled ? "" : " (disabled)")\(exists)")
        }
        for group in plan.groups { output.out("group \(group)") }
        for item in plan.rules { output.out("rule \(item.scope): \(item.rule)") }
        for note in plan.notes { output.out(note.description) }
        let changes = plan.notes.filter { $0.kind == .changes }.count
        output.out("plan: \(plan.devices.count) devices, \(plan.groups.count) groups, \(plan.rules.count) rules; "
                   + "\(changes) meaning changes, \(plan.notes.count - changes) not carried over")
        guard !dryRun, let fleet else {
            await fleet?.store.close()
            output.out("dry run: nothing written")
            return
        }
        let result: FleetImportResult
        do {
            result = try await fleet.importFleet(plan.batch(created: environment.now()))
        } catch {
            await fleet.store.close()
            throw error
        }
        await fleet.store.close()
        output.out("imported: \(result.added.count) devices added, \(result.kept.count) already present (kept as they are), "
                   + "\(result.rulesAdded) rules added, \(result.rulesKept) already present")
    }
}
