import Foundation
import SupervisionTesting
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto for one test: its own config in a temporary folder, a free loopback port,
/// started on demand and stopped by ``stop()`` — or, if the test process dies first (a crash,
/// SIGKILL), SIGKILLed by an ``OwnerWatchdog``, so no broker outlives its test run.
///
/// Readiness is awaited, not polled: the broker also logs to stderr, and ``start(settings:prepare:)``
/// returns when it says it is running; a broker that exits or never starts fails the test with its log.
public final class Broker: Sendable {
    /// The loopback port it listens on.
    public let port: Int
    /// Every port it listens on (the first is ``port``).
    public let ports: [Int]
    /// Its temporary folder: config, log, password file, certificates.
    public let directory: URL
    private let process: Process
    private let watchdog: OwnerWatchdog
    private let stopped = Atomic(false)

    /// The mosquitto every test starts: `CASTELLAN_MOSQUITTO` (e.g. a 2.1 build, `make
    /// test-2.1`), else Debian's `/usr/sbin/mosquitto` (2.0.11).
    public static let executable = ProcessInfo.processInfo.environment["CASTELLAN_MOSQUITTO"] ?? "/usr/sbin/mosquitto"

    /// The first line of ``executable``'s `-h` ("mosquitto version 2.0.11"), read once.
    public static let versionLine: String = {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-h"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? launch(process)) != nil else { return "" }
        let data = readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }()

    /// Writes `mosquitto.conf` (listener on a free port + `settings`) and starts the broker.
    ///
    /// - Parameters:
    ///   - settings: config lines for the listener, e.g. `allow_anonymous true`; `{dir}` stands
    ///     for the broker's folder.
    ///   - prepare: writes files the config refers to, given the folder (password file, certs).
    public static func start(settings: [String] = ["allow_anonymous true"], prepare: (URL) async throws -> Void = { _ in }) async throws -> Broker {
        try await start(ports: 1, prepare: prepare) { directory, ports in
            ["listener \(ports[0]) 127.0.0.1"] + settings.map { $0.replacingOccurrences(of: "{dir}", with: directory.path) }
        }
    }

    /// Starts a broker on `ports` free loopback ports with the config lines `settings` makes
    /// from its folder and those ports (the logging and `user root` lines come first).
    ///
    /// A free port is free when picked, not when mosquitto binds it: another test's connection
    /// may take it meanwhile. A start that fails with "Address already in use" is tried again
    /// on other ports (three times at most).
    public static func start(
        ports count: Int, prepare: (URL) async throws -> Void = { _ in }, settings: (URL, [Int]) throws -> [String]
    ) async throws -> Broker {
        var attempt = 1
        while true {
            do {
                return try await startOnce(ports: count, prepare: prepare, settings: settings)
            } catch let error as BrokerError where attempt < 3 && error.description.contains("Address already in use") {
                attempt += 1
            }
        }
    }

    private static func startOnce(
        ports count: Int, prepare: (URL) async throws -> Void, settings: (URL, [Int]) throws -> [String]
    ) async throws -> Broker {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("castellan-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await prepare(directory)
        let ports = try (0..<count).map { _ in try freePort() }
        let config = ["user root", "persistence false", "log_dest file \(directory.path)/mosquitto.log", "log_dest stderr", "log_type all"]
            + (try settings(directory, ports))
        let configURL = directory.appendingPathComponent("mosquitto.conf")
        try (config.joined(separator: "\n") + "\n").write(to: configURL, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", configURL.path]
        process.standardOutput = FileHandle.nullDevice
        let output = Pipe()
        process.standardError = output
        let watch = OutputWatch(fileDescriptor: output.fileHandleForReading.fileDescriptor, marker: " running\n")  // not 2.1's "Info: running mosquitto as user: root."
        try launch(process)
        let watchdog: OwnerWatchdog
        do {
            watchdog = try .killing(process.processIdentifier, ifCommandLineContains: configURL.path,
                                    thenRemoving: directory.path)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let broker = Broker(ports: ports, directory: directory, process: process, watchdog: watchdog)
        if await watch.waitForMarker(timeout: .seconds(10)) { return broker }
        let log = broker.log
        broker.stop()
        throw BrokerError(description: "mosquitto did not start on ports \(ports); log:\n\(log)")
    }

    private init(ports: [Int], directory: URL, process: Process, watchdog: OwnerWatchdog) {
        self.port = ports[0]
        self.ports = ports
        self.directory = directory
        self.process = process
        self.watchdog = watchdog
    }

    /// The broker's process id (for SIGSTOP-style tests of its neighbours, and for logs).
    public var processIdentifier: Int32 { process.processIdentifier }

    /// The broker's log so far.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? ""
    }

    /// Stops the broker, waits for it, dismisses its watchdog and deletes its folder.
    /// Idempotent: a second call does nothing (the pid may belong to another process by then).
    ///
    /// SIGKILL, not SIGTERM: a child started from a test thread inherits that thread's signal
    /// mask, in which SIGTERM is blocked, so `terminate()` would never end it.
    /// Killed without asking `isRunning` first: SIGKILL to a broker that already exited (and is
    /// not yet reaped) is harmless, and this way no broker can outlive its test.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        let pid = process.processIdentifier
        if pid > 0 { kill(pid, SIGKILL) }
        process.waitUntilExit()
        watchdog.dismiss()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Asks the kernel for a free loopback port by binding port 0.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BrokerError(description: "socket() failed") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BrokerError(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A broker that would not start, or a tool that failed.
public struct BrokerError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
