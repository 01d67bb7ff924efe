import Foundation

/// Writes files that must never be overwritten by accident, and secrets that only their
/// owner may read.
///
/// A file is created with its final mode in the same `open(2)` call (`O_CREAT | O_EXCL`),
/// so a private key is never readable by others, not even for an instant, and an existing
/// file is never replaced.
public enum SecretFile {
    /// Creates `path` with `contents` and `mode`; fails if it exists.
    public static func create(_ path: String, contents: [UInt8], mode: mode_t = 0o600) throws(CAError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw errno == EEXIST ? .exists(path) : .io("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var written = 0
        while written < contents.count {
            let result = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else {
                unlink(path)
                throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }

    /// Creates `path` holding `text`.
    public static func create(_ path: String, text: String, mode: mode_t = 0o600) throws(CAError) {
        try create(path, contents: Array(text.utf8), mode: mode)
    }

    /// The file's bytes.
    public static func read(_ path: String) throws(CAError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read \(path)") }
        return Array(data)
    }
}
