import Foundation
import SupervisionTesting
import Synchronization

/// The built `castellan` executable run to its end, as an operator runs a command.
enum CastellanTool {
    /// Runs `castellan ARGUMENTS` on a thread of its own; returns the status, stdout and stderr.
    ///
    /// A command that should end at once but does not (say `serve` starting despite a refusal
    /// the test expects) is terminated after 60 s, so the test fails instead of hanging.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try await onThreadOfItsOwn {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ServeProcess.executable)
            process.arguments = arguments
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            DispatchQueue.global().asyncAfter(deadline: .now() + 60) { if process.isRunning { process.terminate() } }
            // Read stderr on the side so neither pipe can fill up and stall the child.
            let errorText = Mutex("")
            let readerDone = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                errorText.withLock { $0 = text }
                readerDone.signal()
            }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            readerDone.wait()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self), errorText.withLock { $0 })
        }
    }
}
