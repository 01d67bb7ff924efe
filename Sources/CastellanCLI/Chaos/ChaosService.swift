import Dispatch
import Foundation
import Glibc
import Synchronization

/// `castellan serve` as a child of the chaos runner, so the scenario's SIGKILL is a real one
/// and the restart a real cold start.
///
/// Any exit the runner did not ask for is reported through `onUnexpectedExit`: the service
/// must never exit on its own, whatever is killed inside it.
final class ChaosService: Sendable {
    private struct Running {
        var process: Process
        var deliberate: Bool
    }

    private let configuration: String
    private let log: String
    private let onUnexpectedExit: @Sendable (String) -> Void
    /// The current run of the service, if one was started; shared with its termination handler.
    private let current = Mutex<Running?>(nil)

    /// How long a start may take before the runner gives up on it.
    static let readyTimeout = 60.0

    /// - Parameters:
    ///   - configuration: the castellan.yaml to serve.
    ///   - log: where the service's output goes (appended).
    init(configuration: String, log: String, onUnexpectedExit: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.log = log
        self.onUnexpectedExit = onUnexpectedExit
    }

    /// Starts `castellan serve --config FILE` (this very executable) on a thread of its own,
    /// returning once it says the bridge listens.
    func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread { continuation.resume(with: Result { try self.startBlocking() }) }.start()
        }
    }

    private func startBlocking() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["serve", "--config", configuration]
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        guard let logHandle = FileHandle(forWritingAtPath: log) else { throw StackError("cannot write \(log)") }
        logHandle.seekToEndOfFile()
        let output = Pipe()
        process.standardOutput = output
        process.standardError = logHandle
        let onUnexpectedExit = onUnexpectedExit, log = log
        process.terminationHandler = { [self] process in
            let deliberate = self.current.withLock { $0?.process === process && $0?.deliberate == true }
            guard !deliberate else { return }
            let how = process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "status \(process.terminationStatus)"
            onUnexpectedExit("castellan serve exited (\(how)); see \(log)")
        }
        current.withLock { $0 = Running(process: process, deliberate: false) }
        try process.run()
        // A start that hangs must not hang the run: past the timeout the child is killed, which
        // ends its output and so the wait below.
        let ready = Mutex(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.readyTimeout) { [self] in
            if !ready.withLock({ $0 }) { kill() }
        }
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("ready, bridge listening") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                kill()
                throw StackError("castellan serve did not become ready: \(String(decoding: seen.suffix(2000), as: UTF8.self)) (see \(log))")
            }
            seen.append(chunk)
        }
        ready.withLock { $0 = true }
        logHandle.write(seen)
        // Keep draining (every supervision event is a line), so the service never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { logHandle.write($0.availableData) }
    }

    /// SIGKILL, as the scenario's fault or at the end of the run; waits until it is gone.
    /// Does nothing when no service runs.
    func kill() {
        let process = current.withLock { running -> Process? in
            running?.deliberate = true
            return running?.process
        }
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
