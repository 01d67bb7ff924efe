import CastellanStore
import Foundation

/// The CA's files: private keys through the store's ``SecretFile`` (0600, never overwritten,
/// refused when others can read them), certificates and CRLs world-readable but likewise
/// never overwritten.
enum CAFiles {
    static func createKey(_ path: String, pem: String) throws(CAError) {
        try create(path, pem, mode: 0o600)
    }

    static func createPublic(_ path: String, pem: String) throws(CAError) {
        try create(path, pem, mode: 0o644)
    }

    static func readKey(_ path: String) throws(CAError) -> String {
        do {
            return String(decoding: try SecretFile.read(path), as: UTF8.self)
        } catch {
            throw .io(error.description)
        }
    }

    static func readPublic(_ path: String) throws(CAError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    private static func create(_ path: String, _ text: String, mode: mode_t) throws(CAError) {
        do {
            try SecretFile.create(path, bytes: Array(text.utf8), mode: mode)
        } catch {
            throw error.alreadyExists ? .exists(path) : .io(error.description)
        }
    }
}
