import CastellanAuth
import CastellanStore
import Foundation

/// The admin API's bearer token, as `castellan init` writes it (64 hex digits, mode 0600).
///
/// Held as bytes and compared with ``ConstantTime/equal(_:_:)``, so response timing says
/// nothing about how much of a guess was right. It has no `description`: printing one shows
/// `AdminToken(redacted)`, never the secret.
public struct AdminToken: Sendable, CustomStringConvertible {
    private let bytes: [UInt8]
    /// What the change log calls changes made with this token (`admin:NAME`): its file's name
    /// without the extension, `token` for one not read from a file.
    public let name: String

    /// - Throws: ``AdminError`` when `text` is empty (after trimming white space) — an empty
    ///   token would let an empty `Authorization: Bearer ` header in.
    public init(_ text: String, name: String = "token") throws(AdminError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .emptyToken() }
        bytes = Array(trimmed.utf8)
        self.name = name
    }

    /// Reads the token file; trailing white space (an editor's newline) is ignored.
    ///
    /// Refused, as the master key is (through the same ``SecretFile/read(_:)``), when group or
    /// others can access the file: the error names the file and the fix, `chmod 600 FILE`.
    public static func load(from path: String) throws(AdminError) -> AdminToken {
        let bytes: [UInt8]
        do { bytes = try SecretFile.read(path) } catch { throw .unreadableToken(error.description) }
        let file = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try AdminToken(String(decoding: bytes, as: UTF8.self), name: file.isEmpty ? "token" : file)
    }

    /// Whether an `Authorization` header value carries this token (`Bearer <token>`).
    ///
    /// The scheme is matched case-insensitively (RFC 7235); the token in constant time.
    public func authorizes(_ header: String?) -> Bool {
        guard let header else { return false }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else { return false }
        let offered = header.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        return ConstantTime.equal(Array(offered.utf8), bytes)
    }

    /// The `Authorization` header value a client sends.
    public var authorizationHeader: String { "Bearer " + String(decoding: bytes, as: UTF8.self) }

    public var description: String { "AdminToken(redacted)" }
}
