import Foundation
import ServerTesting
import SupervisionTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A broker started by a test process dies with it, even when that process is SIGKILLed and
/// none of its code runs any more; a dismissed watchdog leaves its process alone.
///
/// The owner is a second run of this very test binary, asked (by the environment variable
/// `CASTELLAN_BROKER_OWNER`) to run only ``brokerOwnerProcess()``: it starts a ``Broker``,
/// says where it is, and waits to be killed.
@Suite struct OwnerWatchdogTests {
    static let ready = "BROKER-OWNER-READY"

    @Test(.timeLimit(.minutes(3)))
    func brokerOfASIGKILLedTestProcess_isKilledWithIt() async throws {
        let owner = Process()
        owner.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        owner.arguments = ["--testing-library", "swift-testing", "--filter", "brokerOwnerProcess"]
        owner.environment = ProcessInfo.processInfo.environment.merging(["CASTELLAN_BROKER_OWNER": "1"]) { $1 }
        let input = Pipe(), output = Pipe()
        owner.standardInput = input
        owner.standardOutput = output
        owner.standardError = FileHandle.nullDevice
        let watch = OutputWatch(fileDescriptor: output.fileHandleForReading.fileDescriptor, marker: Self.ready)
        try launch(owner)
        var reaped = false
        defer {
            if !reaped {
                kill(owner.processIdentifier, SIGKILL)
                owner.waitUntilExit()
            }
        }
        // Generous: a second test process starts on a machine busy with the other suites.
        try #require(await watch.waitForMarker(timeout: .seconds(120)), "the owner did not start its broker:\n\(watch.text)")
        let match = try #require(watch.text.firstMatch(of: /pid=(\d+) port=(\d+) BROKER-OWNER-READY/))
        let broker = try #require(Int32(match.1)), port = try #require(Int(match.2))
        let session = try IdleMQTTSession(port: port)

        kill(owner.processIdentifier, SIGKILL)
        owner.waitUntilExit()
        reaped = true

        #expect(session.closedByBroker(within: 60), "the broker of the killed owner still runs")
        #expect(Self.ends(broker, within: .seconds(30)), "the broker of the killed owner is still a live process")
    }

    /// Not a test of its own: the owner process of the test above, run only by it.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CASTELLAN_BROKER_OWNER"] != nil,
                   "the owner process of brokerOfASIGKILLedTestProcess_isKilledWithIt, which runs it"))
    func brokerOwnerProcess() async throws {
        let broker = try await Broker.start()
        FileHandle.standardOutput.write(Data("pid=\(broker.processIdentifier) port=\(broker.port) \(Self.ready)\n".utf8))
        // The test above SIGKILLs this process. Waiting for the end of standard input only
        // keeps a parent that died first from leaving this one behind.
        _ = readToEnd(FileHandle.standardInput)
        broker.stop()
    }

    @Test func dismissedWatchdog_leavesItsProcessAlone() throws {
        let marker = "castellan-watchdog-test-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "read line", marker]
        let input = Pipe()
        process.standardInput = input
        try launch(process)
        let watchdog = try OwnerWatchdog.killing(process.processIdentifier, ifCommandLineContains: marker)
        watchdog.dismiss()  // returns once the watchdog has exited: had it killed, it would have by then
        input.fileHandleForWriting.write(Data("done\n".utf8))
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    /// Whether process `pid` ends within `limit`, awaited on a pidfd (readable once the process
    /// has exited; it need not be our child). Needed because the kernel closes a killed process's
    /// sockets before the process is gone, so the broker's closed session comes a moment before
    /// its exit. glibc 2.36 has `pidfd_open`, but Swift's Glibc module leaves `<sys/pidfd.h>` out,
    /// so it is looked up by name.
    static func ends(_ pid: Int32, within limit: Duration) -> Bool {
        typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
        guard let symbol = dlsym(nil, "pidfd_open") else {
            Issue.record("this libc has no pidfd_open")
            return false
        }
        let fd = unsafeBitCast(symbol, to: PidfdOpen.self)(pid, 0)
        guard fd >= 0 else { return errno == ESRCH }  // no such process: gone already
        defer { close(fd) }
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&ready, 1, Int32(limit.components.seconds * 1000)) == 1
    }
}
