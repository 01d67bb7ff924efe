import ArgumentParser

/// `castellan client …`: the device SDK from the command line, and the load generator.
///
/// Exit codes: 0 accepted/ok, 1 refused by the broker (the reason code is printed), 2 error.
/// `keygen`/`unseal` (sealed credential delivery) will join this group.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Connect to a broker as a device: connect, publish, subscribe, generate load.",
        discussion: "Exit status: 0 accepted/ok, 1 refused by the broker (reason code printed), 2 error.",
        subcommands: [
            ClientConnectCommand.self, ClientPubCommand.self, ClientSubCommand.self, ClientLoadCommand.self,
            KeygenCommand.self, UnsealCommand.self, ClientEnrolCommand.self, ClientRenewCommand.self,
        ]
    )
}
