import ArgumentParser
import CastellanAuth
import CastellanFleet
import CastellanStore

/// `castellan acl …`: rules per device and per group.
struct ACLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acl",
        abstract: "Manage ACL rules (default deny; a matching deny beats every allow).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// Exactly one of `--device ID` and `--group G`, or (for listing) neither.
    struct ScopeOptions: ParsableArguments {
        @Option(help: "A device id.") var device: String?
        @Option(help: "A group name.") var group: String?

        func scope(required: Bool) throws -> ACLScope? {
            switch (device, group) {
            case (let device?, nil): return .device(try Arguments.device(device))
            case (nil, let group?): return .group(try Arguments.group(group))
            case (nil, nil) where !required: return nil
            case (nil, nil): throw CommandFailure.usage("give one of --device ID and --group G")
            case (_?, _?): throw CommandFailure.usage("give only one of --device ID and --group G")
            }
        }
    }

    /// `acl add (--device ID | --group G) (allow|deny) (publish|subscribe|receive|all) PATTERN`.
    struct Add: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a rule; prints its id.")
        static let label = "acl add"

        @OptionGroup var config: ConfigOption
        @OptionGroup var target: ScopeOptions
        @Argument(help: "allow or deny.") var effect: String
        @Argument(help: "publish, subscribe, receive or all.") var access: String
        @Argument(help: "A topic pattern; %u and %c stand for the username and client id.") var pattern: String

        func execute(_ environment: CommandEnvironment) async throws {
            guard let scope = try target.scope(required: true) else { return }
            let rule = try Fleet.NewRule(effect: effect, access: access, pattern: pattern)
            let added = try await config.openFleet(environment).addRule(rule, scope: scope)
            environment.output.out("added rule \(added.id): \(scope): \(rule.rule)")
        }
    }

    /// `acl list [--device ID | --group G] [--json]`.
    struct List: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List rules, all or of one device or group.")
        static let label = "acl list"

        @OptionGroup var config: ConfigOption
        @OptionGroup var target: ScopeOptions
        @Flag(help: "Print a JSON array.") var json = false

        func execute(_ environment: CommandEnvironment) async throws {
            let scope = try target.scope(required: false)
            let rules = try await config.openFleet(environment).rules(scope: scope)
            if json {
                environment.output.out(try Arguments.json(rules))
                return
            }
            environment.output.out("ID\tSCOPE\tEFFECT\tACCESS\tPATTERN")
            for rule in rules {
                environment.output.out("\(rule.id)\t\(rule.scope) \(rule.name)\t\(rule.effect)\t\(rule.access)\t\(rule.pattern)")
            }
        }
    }

    /// `acl remove RULE_ID`.
    struct Remove: StoreSubcommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a rule by id.")
        static let label = "acl remove"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The rule id, as `acl list` shows it.") var ruleID: String

        func execute(_ environment: CommandEnvironment) async throws {
            guard ruleID.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(ruleID) else {
                throw CommandFailure.usage("RULE_ID must be a whole number")
            }
            try await config.openFleet(environment).removeRule(id: id)
            environment.output.out("removed rule \(id)")
        }
    }
}
