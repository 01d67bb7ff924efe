import Foundation
import Glibc
import ServerTesting
import Synchronization
import SupervisionTesting

/// `castellan serve` as its own process, so a test can SIGKILL or SIGSTOP it as an operator's
/// bad day would, while the broker keeps running.
///
/// An ``OwnerWatchdog`` SIGKILLs it should the test process die first.
final class ServeProcess: Sendable {
    private let process: Process
    private let watchdog: OwnerWatchdog
    private let killed = Atomic(false)
    let output: OutputWatch

    static let executable = Stack.repository + "/.build/debug/castellan"

    /// Starts `castellan serve --config FILE` and returns once its output holds `marker` (by
    /// default: the bridge is listening).
    init(configuration file: String, marker: String = "ready, bridge listening") async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve", "--config", file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        output = OutputWatch(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, marker: marker)
        try launch(process)
        do {
            watchdog = try .killing(process.processIdentifier, ifCommandLineContains: file)
        } catch {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw error
        }
        self.process = process
        guard await output.waitForMarker(timeout: .seconds(30)) else {
            kill()
            throw BrokerError(description: "castellan serve did not become ready:\n\(output.text)")
        }
    }

    /// Sends `number` (SIGSTOP, SIGCONT…); nothing once killed, when the pid may be another's.
    func signal(_ number: Int32) {
        guard !killed.load(ordering: .relaxed) else { return }
        Glibc.kill(process.processIdentifier, number)
    }

    /// SIGKILL, then reap: nothing of it survives the test. Idempotent.
    func kill() {
        guard !killed.exchange(true, ordering: .relaxed) else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        watchdog.dismiss()
    }
}
