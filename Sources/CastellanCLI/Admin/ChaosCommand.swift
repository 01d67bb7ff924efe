import ArgumentParser
import CastellanAdmin
import Foundation

/// `castellan chaos kill PATH`: crash one node of the running service's tree; `castellan chaos run` (Chaos/).
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Inject faults into the running service.",
        subcommands: [Kill.self, Run.self]
    )

    struct Kill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kill",
            abstract: "Kill the node at PATH as a crash would; its supervisor restarts it per its spec.",
            discussion: "Prints the killed path. Exit 1 if the service refuses (unknown path, no token)."
        )

        @OptionGroup var config: ConfigOption

        @Argument(help: "The node's path, e.g. /castellan/auth/scram/1 (see `castellan tree`).")
        var path: String

        func run() async throws {
            let client = try AdminConnection.client(config, label: "chaos kill")
            do {
                let body = try AdminJSON.encode(["path": path])
                let response = try await client.request(.POST, "/v1/chaos/kill", json: Array(body))
                guard response.status == 200 else {
                    AdminConnection.fail("chaos kill", AdminConnection.reason(response))
                }
                struct Killed: Decodable { var killed: [String] }
                for path in (try JSONDecoder().decode(Killed.self, from: Data(response.body))).killed {
                    printLine("killed \(path)")
                }
            } catch {
                AdminConnection.fail("chaos kill", error)
            }
        }
    }
}
