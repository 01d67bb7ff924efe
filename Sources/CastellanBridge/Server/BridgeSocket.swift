#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The service end of the bridge: a Unix socket file that must be ours alone.
public enum BridgeSocket {
    /// The longest path a `sockaddr_un` holds on Linux (108 bytes with the NUL).
    public static let maxPathLength = 107

    /// Makes `path` ready to bind.
    ///
    /// Refuses when a live process accepts connections on it (a second service would steal
    /// half the broker's requests), removes a stale socket left by a crash, and refuses to
    /// delete anything that is not a socket.
    public static func prepare(path: String) throws(BridgeSocketError) {
        guard path.utf8.count <= maxPathLength else { throw .pathTooLong(path) }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }  // nothing there: fine
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path) }
        if isLive(path: path) { throw .inUse(path) }
        guard unlink(path) == 0 || errno == ENOENT else { throw .cannotRemove(path, errno: errno) }
    }

    /// Whether something accepts connections on `path` right now.
    public static func isLive(path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathLength else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// Sets the socket file's permission bits (0660: the service's user and the broker's group).
    public static func setMode(_ mode: UInt32, path: String) throws(BridgeSocketError) {
        guard chmod(path, mode_t(mode)) == 0 else { throw .cannotChangeMode(path, errno: errno) }
    }
}

/// Why the bridge socket cannot be used.
public enum BridgeSocketError: Error, Sendable, Hashable, CustomStringConvertible {
    case pathTooLong(String)
    case notASocket(String)
    case inUse(String)
    case cannotRemove(String, errno: Int32)
    case cannotChangeMode(String, errno: Int32)

    public var description: String {
        switch self {
        case .pathTooLong(let path): "bridge socket path is longer than \(BridgeSocket.maxPathLength) bytes: \(path)"
        case .notASocket(let path): "\(path) exists and is not a socket; not touching it"
        case .inUse(let path): "another process is serving on \(path) (is castellan serve already running?)"
        case .cannotRemove(let path, let code): "cannot remove stale socket \(path): \(String(cString: strerror(code)))"
        case .cannotChangeMode(let path, let code): "cannot set the mode of \(path): \(String(cString: strerror(code)))"
        }
    }
}
