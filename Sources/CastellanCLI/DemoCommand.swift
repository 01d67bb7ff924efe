import ArgumentParser
import Foundation
import Supervision

/// `castellan demo [--spec FILE]`: runs a supervision tree of demo workers and prints its
/// events live until Ctrl-C, then shuts the tree down in reverse start order.
///
/// Exits 0 after an orderly shutdown, 1 when the spec is refused or the root supervisor
/// gives up (restart intensity exceeded) — the level above would restart the process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a supervision tree of demo workers and print restarts live."
    )

    @Option(name: .long, help: "The supervision spec to run.")
    var spec = "supervision/demo.yaml"

    @Flag(name: .long, help: "Print each event as one JSON object per line.")
    var json = false

    func run() async throws {
        let tree: SupervisionTree
        do {
            let loaded = try SupervisionSpecLoader(workerTypes: KnownWorkerTypes.names).load(contentsOf: spec)
            if !json { printLine(loaded.renderTree()) }
            tree = try loaded.makeTree(using: KnownWorkerTypes.all)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
        let events = tree.events()
        let json = json
        let printer = Task {
            for await event in events { printLine(json ? EventLine.json(event) : EventLine.text(event)) }
        }
        let signals = onTerminationSignal { Task { await tree.stop() } }
        defer { signals.forEach { $0.cancel() } }
        if !json { printLine("running; Ctrl-C stops the tree in order\n") }
        do {
            try await tree.run()
        } catch {
            tree.environment.events.finish()
            await printer.value
            FileHandle.standardError.write(Data("castellan demo: the root supervisor gave up: \(error)\n".utf8))
            throw ExitCode.failure
        }
        tree.environment.events.finish()
        await printer.value
    }
}
