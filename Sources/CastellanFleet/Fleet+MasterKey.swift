import CastellanStore
import Foundation

extension Fleet {
    /// Generates a new master key and re-seals every TOTP secret under it in one transaction;
    /// the store (and a service using it) seals and opens with the new key from then on.
    ///
    /// Order: the new key goes to `FILE.new` (created 0600, exclusively), every secret is
    /// re-sealed in one transaction, then `FILE.new` is renamed over `FILE` (atomic). A failed
    /// re-seal removes `FILE.new` and changes nothing. If the process dies between the commit
    /// and the rename, `FILE.new` holds the key the database needs: the next rotation refuses
    /// (``FleetError/Kind/conflict``) and says so, and `mv FILE.new FILE` completes it.
    /// ``FleetError/Kind/unavailable`` when this fleet was not told its key file.
    public func rotateMasterKey() async throws {
        guard let keyFile = masterKeyFile else { throw FleetError.unavailable("the master key file is not known here") }
        let pending = keyFile + ".new"
        guard !FileManager.default.fileExists(atPath: pending) else {
            throw FleetError.conflict(
                "\(pending) exists: an earlier rotation was interrupted; if the database was re-sealed, move it over \(keyFile), otherwise delete it")
        }
        let newKey = try MasterKey.generate(using: entropy)
        do { try newKey.create(at: pending) } catch { throw FleetError.conflict("\(error)") }
        do {
            try await store.rotateMasterKey(to: newKey)
        } catch {
            unlink(pending)
            throw error
        }
        guard rename(pending, keyFile) == 0 else {
            throw FleetError.conflict("secrets were re-sealed but \(pending) could not be moved over \(keyFile): move it by hand")
        }
    }
}
