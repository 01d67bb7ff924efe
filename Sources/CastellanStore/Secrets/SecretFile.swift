import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes and reads files that hold secrets: created with mode 0600 from the first byte.
///
/// Creating with the mode (rather than `chmod` afterwards) leaves no moment in which another
/// user could open the file. Errors name the path and the system error, never the content.
public enum SecretFile {
    /// Why a secret file could not be written or read.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The file concerned.
        public let path: String
        /// What went wrong (a system error text or a rule).
        public let reason: String
        /// Whether the failure is that the file already exists (creation never overwrites).
        public let alreadyExists: Bool

        public var description: String { "\(path): \(reason)" }
    }

    /// Creates `path` exclusively with `mode` (0600 unless the content is public, such as a
    /// certificate) and writes `bytes`; refuses an existing file.
    public static func create(_ path: String, bytes: [UInt8], mode: mode_t = 0o600) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let code = errno
            throw Failure(path: path, reason: String(cString: strerror(code)), alreadyExists: code == EEXIST)
        }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw systemFailure(path) }
    }

    /// Replaces `path` atomically with `bytes` at mode 0600: written to a fresh temporary file
    /// beside it, synced, then renamed over it, so readers see the old or the new content, never half.
    public static func replace(_ path: String, bytes: [UInt8]) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        try create(temporary, bytes: bytes)
        guard rename(temporary, path) == 0 else {
            let failure = systemFailure(path)
            unlink(temporary)
            throw failure
        }
    }

    /// Reads `path` whole, refusing it if group or others may read or write it.
    ///
    /// The one check for every secret read from a file (master key, admin token, CA and device
    /// keys): the refusal names the file and the fix, `chmod 600 FILE`.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else { throw systemFailure(path) }
        guard status.st_mode & 0o077 == 0 else {
            let mode = String(status.st_mode & 0o777, radix: 8)
            throw Failure(path: path, reason: "mode \(mode) lets group or others access it; run chmod 600 \(path)", alreadyExists: false)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw systemFailure(path) }
        return Array(data)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw systemFailure(path)
            }
            offset += written
        }
    }

    private static func systemFailure(_ path: String) -> Failure {
        let code = errno
        return Failure(path: path, reason: String(cString: strerror(code)), alreadyExists: code == EEXIST)
    }
}
