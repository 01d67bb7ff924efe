import Foundation
import SupervisionTesting

/// Runs a command-line tool (mosquitto_pub, mosquitto_sub, mosquitto_passwd, castellan) to its end.
enum Tool {
    /// Runs `path` with `arguments`; returns the exit status, standard output and standard error.
    ///
    /// Tools are given their own bounded timeouts (`-W` for mosquitto_sub), so this waits for
    /// exit, on a thread of its own (a tool may run for seconds).
    static func run(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
        try await onThreadOfItsOwn { try runToEnd(path, arguments) }
    }

    private static func runToEnd(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try launch(process)
        // One after the other, as the service tests' CLIProcess does: these tools write a few lines.
        let out = readToEnd(output.fileHandleForReading), err = readToEnd(error.fileHandleForReading)
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
