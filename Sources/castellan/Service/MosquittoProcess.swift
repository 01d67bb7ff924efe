import Foundation
import Glibc

/// A mosquitto child process for `castellan stack`, stopped with the stack.
struct MosquittoProcess {
    let process: Process

    /// Writes the conf into `folder`, starts mosquitto, and returns once its log says it runs.
    static func start(executable: String, conf: String, folder: String) throws -> MosquittoProcess {
        let confFile = folder + "/mosquitto.conf"
        let logFile = folder + "/mosquitto.log"
        try (conf + "log_dest file \(logFile)\nlog_dest stderr\n").write(toFile: confFile, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", confFile]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // mosquitto prints "... running" on stderr once its listeners are open.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains(" running\n") {  // not 2.1's "Info: running mosquitto as user"
            let chunk = errors.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw StackError("mosquitto exited: \(String(decoding: seen, as: UTF8.self)) (see \(logFile))")
            }
            seen.append(chunk)
        }
        // Keep draining so a chatty broker never blocks on a full pipe; the log file has it all.
        errors.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
        return MosquittoProcess(process: process)
    }

    /// SIGKILL, then reap. Not SIGTERM: a mosquitto started from a Swift concurrency thread
    /// inherits that thread's blocked signals, SIGTERM among them, and would never see it; and
    /// this broker keeps nothing (no persistence) that a clean exit would save.
    func stop() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
