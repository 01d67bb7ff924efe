import Foundation
import SupervisionTesting

/// The `castellan` CLI as its own process, as an operator runs it beside `castellan serve`.
enum CLIProcess {
    struct Result: Sendable {
        let status: Int32
        let output: String
        let error: String
    }

    /// Runs `castellan ARGUMENTS --config FILE` (without `--config` when `config` is nil) to its end, on a thread of its own; `stdin` is
    /// written to its standard input. With `terminateAfter`, a command still running then (say
    /// `serve` starting despite a refusal the test expects) is terminated, so the test fails
    /// instead of hanging. `environment` adds to (or overrides) the test process's.
    static func run(_ arguments: [String], config: String?, stdin: String = "", environment: [String: String] = [:],
                    terminateAfter limit: Duration? = nil) async throws -> Result {
        try await onThreadOfItsOwn {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ServeProcess.executable)
            process.arguments = arguments + (config.map { ["--config", $0] } ?? [])  // `castellan client` reads none
            if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
            let output = Pipe()
            let error = Pipe()
            let input = Pipe()
            process.standardOutput = output
            process.standardError = error
            process.standardInput = input
            try launch(process)
            if let limit {
                let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { if process.isRunning { process.terminate() } }
            }
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
            // The outputs are small (a few lines): reading one to its end cannot block the other.
            let out = readToEnd(output.fileHandleForReading)
            let err = readToEnd(error.fileHandleForReading)
            process.waitUntilExit()
            return Result(
                status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                error: String(decoding: err, as: UTF8.self))
        }
    }
}
