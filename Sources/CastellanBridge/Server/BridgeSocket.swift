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
        guard let fd = connected(to: path) else { return false }
        close(fd)
        return true
    }

    /// The process listening on `path` (the kernel's `SO_PEERCRED`), or `nil` if none is.
    /// How `castellan reload` finds the service without a PID file that could go stale.
    public static func listenerProcessID(path: String) -> Int32? {
        guard let fd = connected(to: path) else { return nil }
        defer { close(fd) }
        // `struct ucred { pid_t pid; uid_t uid; gid_t gid; }`: Glibc hides the type without
        // _GNU_SOURCE, so read the same 12 bytes as a tuple.
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: credentials))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, credentials.pid > 0 else { return nil }
        return credentials.pid
    }

    /// A blocking stream socket connected to `path`, or `nil`; the caller closes it.
    static func connected(to path: String) -> Int32? {
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathLength else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
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
