import ArgumentParser
import CastellanAdmin
import Foundation

/// `castellan events [--follow] [--json]`: the running service's supervision events.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print the running service's recent supervision events (with --follow, then live ones).",
        discussion: "Reads the admin API named by castellan.yaml (admin.listen), with the token in admin.token_file."
    )

    @OptionGroup var config: ConfigOption

    @Flag(name: .long, help: "Keep printing new events until interrupted.")
    var follow = false

    @Flag(name: .long, help: "Print each event as one JSON object per line.")
    var json = false

    func run() async throws {
        let client = try AdminConnection.client(config, label: "events")
        let json = json
        do {
            try await client.events(follow: follow) { data in
                if json {
                    printLine(data)
                } else if let event = try? AdminEvent(json: data) {
                    printLine(EventLine.text(event))
                }
                return true
            }
        } catch {
            AdminConnection.fail("events", error)
        }
    }
}
