import ArgumentParser
import CastellanAdmin
import Foundation
import Supervision

/// `castellan tree --spec FILE`: validates a supervision spec and prints its tree.
/// `castellan tree [--watch]`: the running service's live tree, from its admin API.
/// `castellan tree --web`: prints the URL of the web observer (``ObserverPage``) for it.
///
/// With `--spec` it starts nothing. A spec that is refused prints its error
/// (`FILE:LINE:COL: FIELD: MESSAGE`) to standard error and exits with status 1, so it fits
/// in scripts and CI. Without `--spec` it asks the service that castellan.yaml names; with
/// `--watch` it redraws the tree each time a supervision event arrives, until interrupted.
/// `--web` needs an `http://` admin listener (a browser cannot reach a Unix socket); the URL
/// carries the token in its fragment, which the browser never sends to a server.
struct TreeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Validate a supervision spec and print its tree, or show the running service's live tree."
    )

    @Option(name: .long, help: "The spec file to check, e.g. supervision/demo.yaml.")
    var spec: String?

    @Flag(name: .long, help: "Keep redrawing the running service's tree as events arrive.")
    var watch = false

    @Flag(name: .long, help: "Print the URL of the web observer (the token is in its #fragment: keep it private).")
    var web = false

    @OptionGroup var config: ConfigOption

    func validate() throws {
        if spec != nil && watch { throw ValidationError("--watch shows the running service; it does not go with --spec") }
        if web && (spec != nil || watch) { throw ValidationError("--web prints the observer's URL; it goes with neither --spec nor --watch") }
    }

    func run() async throws {
        if let spec { return try check(spec) }
        if web { return printObserverURL() }
        let client = try AdminConnection.client(config, label: "tree")
        do {
            try await draw(client, clear: watch)
            guard watch else { return }
            try await client.events(replay: false) { _ in
                try await draw(client, clear: true)
                return true
            }
        } catch {
            AdminConnection.fail("tree", error)
        }
    }

    private func printObserverURL() {
        let (listen, token) = AdminConnection.endpoint(config, label: "tree")
        guard let url = ObserverPage.url(listen: listen, token: token) else {
            AdminConnection.fail("tree", "the web observer needs an HTTP admin listener, but admin.listen is \(listen); "
                + "set `admin.listen: http://127.0.0.1:PORT` in castellan.yaml and restart the service")
        }
        print(url)
    }

    private func check(_ spec: String) throws {
        let loader = SupervisionSpecLoader(workerTypes: KnownWorkerTypes.names)
        do {
            let tree = try loader.load(contentsOf: spec)
            print(tree.renderTree(), terminator: "")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Fetches the tree and prints it; `clear` first homes the cursor and clears the screen.
    private func draw(_ client: AdminClient, clear: Bool) async throws {
        let response = try await client.request(.GET, "/v1/supervision/tree")
        guard response.status == 200 else {
            AdminConnection.fail("tree", "the service answered \(response.status): \(AdminConnection.reason(response))")
        }
        let snapshot = try JSONDecoder().decode(TreeSnapshot.self, from: Data(response.body))
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
        printLine((clear ? "\u{1B}[H\u{1B}[2J" : "") + SnapshotText.render(snapshot) + (clear ? "\n\n(live, \(time); Ctrl-C to stop)" : ""))
    }
}
