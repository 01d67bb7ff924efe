import Foundation
import Glibc
import ServerTesting
import SupervisionTesting

/// `castellan serve` as its own process, so a test can SIGKILL or SIGSTOP it as an operator's
/// bad day would, while the broker keeps running.
final class ServeProcess: Sendable {
    private let process: Process
    let output: OutputWatch

    static let executable = Stack.repository + "/.build/debug/castellan"

    /// Starts `castellan serve --config FILE` and returns once it says the bridge is listening.
    init(configuration file: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve", "--config", file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        output = OutputWatch(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, marker: "ready, bridge listening")
        try process.run()
        self.process = process
        guard output.waitForMarker(timeout: .seconds(30)) else {
            Glibc.kill(process.processIdentifier, SIGKILL)
            throw BrokerError(description: "castellan serve did not become ready:\n\(output.text)")
        }
    }

    func signal(_ number: Int32) { Glibc.kill(process.processIdentifier, number) }

    /// SIGKILL, then reap: nothing of it survives the test.
    func kill() {
        signal(SIGKILL)
        process.waitUntilExit()
    }
}
