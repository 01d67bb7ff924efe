import Foundation
import SupervisionTesting

/// Runs a command-line tool (mosquitto_pub, mosquitto_sub, mosquitto_passwd, castellan) to its end.
enum Tool {
    /// Runs `path` with `arguments`; returns the exit status and standard output.
    ///
    /// Tools are given their own bounded timeouts (`-W` for mosquitto_sub), so this waits for
    /// exit, on a thread of its own (a tool may run for seconds).
    static func run(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await onThreadOfItsOwn { try runToEnd(path, arguments) }
    }

    private static func runToEnd(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try launch(process)
        let data = readToEnd(pipe.fileHandleForReading)
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
