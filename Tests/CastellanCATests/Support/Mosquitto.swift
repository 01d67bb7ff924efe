import Foundation
import SupervisionTesting

/// A real mosquitto broker on a free loopback port, with a config written for one test.
final class Mosquitto {
    let port: UInt16
    private let process = Process()

    /// Starts `mosquitto -c` with `listener PORT 127.0.0.1` followed by `settings`; returns once
    /// mosquitto logs that it is running (its listener is open by then).
    init(in scratch: Scratch, settings: String) async throws {
        port = try Self.freePort()
        let config = """
            user root
            per_listener_settings false
            log_dest stderr
            listener \(port) 127.0.0.1
            \(settings)
            """
        let path = scratch.file("mosquitto-\(port).conf")
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        process.arguments = ["-c", path]
        process.standardOutput = FileHandle.nullDevice
        let log = Pipe()
        process.standardError = log
        let watch = OutputWatch(fileDescriptor: log.fileHandleForReading.fileDescriptor, marker: " running")
        try launch(process)
        guard await watch.waitForMarker(timeout: .seconds(10)) else {
            kill(process.processIdentifier, SIGKILL)
            throw MosquittoError("mosquitto did not start on \(port):\n\(watch.text)")
        }
    }

    /// SIGKILL, not SIGTERM: children spawned by Foundation's `Process` inherit the test
    /// runner's blocked signal mask, in which SIGTERM and SIGINT are blocked.
    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw MosquittoError("no free port") }
        return UInt16(bigEndian: address.sin_port)
    }
}

struct MosquittoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
