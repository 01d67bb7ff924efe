import Foundation
import ServerTesting
#if canImport(Glibc)
import Glibc
#endif

/// A raw MQTT 3.1.1 session with a broker: connected and accepted, then idle.
///
/// Keep-alive 0, so the broker never ends the session on its own: when the connection
/// closes, the broker process is gone (the kernel closes a dead process's sockets) — an
/// event to wait for, where checking for the process would have to poll.
final class IdleMQTTSession {
    private let descriptor: Int32

    /// Connects to the broker on loopback `port` and sends CONNECT; throws unless the
    /// CONNACK accepts it.
    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw BrokerError(description: "socket: errno \(errno)") }
        var address = Broker.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw BrokerError(description: "connect to port \(port): errno \(errno)")
        }
        let clientID = Array("owner-watchdog-test".utf8)
        // CONNECT: protocol name, level 4 (3.1.1), clean session, keep-alive 0, client id.
        let packet: [UInt8] = [0x10, UInt8(12 + clientID.count), 0, 4] + Array("MQTT".utf8)
            + [4, 0x02, 0, 0, 0, UInt8(clientID.count)] + clientID
        _ = packet.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let connack = read(count: 4, within: 30)
        guard connack == [0x20, 0x02, 0x00, 0x00] else {
            close(descriptor)
            throw BrokerError(description: "no accepting CONNACK from port \(port): \(connack)")
        }
    }

    deinit { close(descriptor) }

    /// `true` once the broker closed the connection; `false` if it still stands after `seconds`.
    func closedByBroker(within seconds: Int) -> Bool {
        setTimeout(seconds)
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count == 0 { return true }
            if count < 0 {
                if errno == EINTR { continue }
                return errno == ECONNRESET
            }
        }
    }

    /// Up to `count` bytes, read until they are all there, the connection ends or `seconds` pass.
    private func read(count: Int, within seconds: Int) -> [UInt8] {
        setTimeout(seconds)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while bytes.count < count {
            let got = Glibc.read(descriptor, &buffer, count - bytes.count)
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            bytes += buffer[..<got]
        }
        return bytes
    }

    private func setTimeout(_ seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}
