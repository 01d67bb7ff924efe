import ArgumentParser
import CastellanAuth
import CastellanFleet
import CastellanStore

/// `castellan device …`: add, list, show, disable, enable, remove and unlock devices; set their
/// policy, groups and bound client id.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Manage devices.",
        subcommands: [Add.self, List.self, Show.self, Disable.self, Enable.self, Policy.self, Groups.self, ClientID.self, Remove.self, Unlock.self, Provision.self,
                      EnrolToken.self]
    )

    /// `device add ID --policy POLICY [--group G ...] [--client-id CID]`.
    struct Add: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a device.")
        static let label = "device add"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Option(help: "One of: \(AuthFactors.allCases.map(\.name).joined(separator: ", ")).") var policy: String
        @Option(name: .customLong("group"), help: "A group the device belongs to (repeatable).") var groups: [String] = []
        @Option(name: .customLong("client-id"), help: "The one MQTT client id the device may connect with (instead of client_id_binding).")
        var clientID: String?

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Fleet.NewDevice(id: id, policy: policy, groups: groups, clientID: clientID)
            try await config.openFleet(environment).addDevice(device)
            environment.output.out("added device \(device.id) (policy \(device.policy)\(device.clientID.map { ", client id \($0)" } ?? ""))")
        }
    }

    /// `device list [--json]`.
    struct List: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List devices.")
        static let label = "device list"

        @OptionGroup var config: ConfigOption
        @Flag(help: "Print a JSON array.") var json = false

        func execute(_ environment: CommandEnvironment) async throws {
            let devices = try await config.openFleet(environment).devices()
            if json {
                environment.output.out(try Arguments.json(devices))
                return
            }
            environment.output.out("ID\tENABLED\tPOLICY\tGROUPS\tCREDENTIAL")
            for device in devices {
                let groups = device.groups.joined(separator: ",")
                // An imported hash still awaiting the device's first login (docs/migration.md).
                let credential = device.legacyCredential.map { "legacy:\($0)" } ?? "-"
                environment.output.out(
                    "\(device.id)\t\(device.enabled ? "yes" : "no")\t\(device.policy)\t\(groups.isEmpty ? "-" : groups)\t\(credential)")
            }
        }
    }

    /// `device show ID [--json]`.
    struct Show: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a device, its credentials (never the secrets) and its rules.")
        static let label = "device show"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Flag(help: "Print a JSON object.") var json = false

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            let details = try await config.openFleet(environment).details(device)
            if json {
                environment.output.out(try Arguments.json(details))
            } else {
                details.lines.forEach(environment.output.out)
            }
        }
    }

    /// `device disable ID`.
    struct Disable: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Refuse the device's connects and kick its sessions.")
        static let label = "device disable"
        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            try await config.openFleet(environment).setEnabled(false, device: device)
            environment.output.out("disabled device \(device)")
            environment.output.out(Following.note("its sessions"))
        }
    }

    /// `device enable ID`.
    struct Enable: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Allow a disabled device again.")
        static let label = "device enable"
        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            try await config.openFleet(environment).setEnabled(true, device: device)
            environment.output.out("enabled device \(device)")
        }
    }

    /// `device policy ID POLICY`.
    struct Policy: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "policy", abstract: "Change the factors a device must present; sessions that used the old ones are closed.")
        static let label = "device policy"
        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Argument(help: "cert, cert+totp, scram, scram+totp, password, password+totp or totp.") var policy: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            let factors: AuthFactors
            do { factors = try AuthFactors(parsing: policy) } catch { throw CommandFailure.usage(error.description) }
            try await config.openFleet(environment).setPolicy(factors, device: device)
            environment.output.out("device \(device) has policy \(factors)")
        }
    }

    /// `device groups ID [--group G ...]`.
    struct Groups: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "groups", abstract: "Replace the device's groups (none without --group); live sessions get the new rules.")
        static let label = "device groups"
        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Option(name: .customLong("group"), help: "A group the device belongs to (repeatable).") var groups: [String] = []

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            var parsed: [DeviceGroup] = []
            for group in groups { parsed.append(try Arguments.group(group)) }
            let summary = try await config.openFleet(environment).setGroups(parsed, device: device)
            environment.output.out("device \(device) is in \(summary.groups.isEmpty ? "no group" : "groups " + summary.groups.joined(separator: ", "))")
        }
    }

    /// `device client-id ID CID` / `device client-id ID --clear`.
    struct ClientID: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "client-id",
            abstract: "Bind the device to one MQTT client id, or --clear to follow client_id_binding again; sessions whose client id no longer fits are closed.",
            discussion: "Rule: " + BoundClientID.rule + ".")
        static let label = "device client-id"
        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String
        @Argument(help: "The client id to bind.") var clientID: String?
        @Flag(help: "Remove the bound client id.") var clear = false

        func execute(_ environment: CommandEnvironment) async throws {
            // Both parsed before the store is opened: bad input changes nothing.
            let device = try Arguments.device(id)
            let bound: BoundClientID?
            switch (clientID, clear) {
            case (let text?, false): bound = try Fleet.clientID(text)
            case (nil, true): bound = nil
            default: throw CommandFailure.usage("give either a client id or --clear")
            }
            try await config.openFleet(environment).setClientID(bound, device: device)
            if let bound {
                environment.output.out("device \(device) is bound to client id \(bound)")
            } else {
                environment.output.out("device \(device) follows client_id_binding")
            }
            environment.output.out(Following.note("its sessions whose client id no longer fits"))
        }
    }

    /// `device remove ID`.
    struct Remove: StoreSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove a device with its credentials and rules; revoke its certificates.")
        static let label = "device remove"
        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            try await config.openFleet(environment).removeDevice(device)
            environment.output.out("removed device \(device)")
            environment.output.out(Following.note("its sessions"))
        }
    }

    /// `device unlock ID`.
    struct Unlock: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Clear the device's failure count, lifting a lockout.")
        static let label = "device unlock"
        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id.") var id: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            try await config.openFleet(environment).unlock(device)
            environment.output.out("unlocked device \(device)")
        }
    }
}
