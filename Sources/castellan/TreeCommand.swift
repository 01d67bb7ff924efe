import ArgumentParser
import Foundation
import Supervision

/// `castellan tree --spec FILE`: validates a supervision spec and prints its tree.
///
/// Starts nothing. A spec that is refused prints its error (`FILE:LINE:COL: FIELD: MESSAGE`)
/// to standard error and exits with status 1, so it fits in scripts and CI.
struct TreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Validate a supervision spec and print its tree."
    )

    @Option(name: .long, help: "The spec file to check, e.g. supervision/demo.yaml.")
    var spec: String

    func run() throws {
        let loader = SupervisionSpecLoader(workerTypes: KnownWorkerTypes.names)
        do {
            let tree = try loader.load(contentsOf: spec)
            print(tree.renderTree(), terminator: "")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
