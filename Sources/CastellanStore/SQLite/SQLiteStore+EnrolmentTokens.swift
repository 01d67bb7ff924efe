import CastellanAuth
import Foundation
import GRDB

extension SQLiteStore {
    /// Sets the device's enrolment token, replacing any earlier one; the device must exist.
    public func setEnrolmentToken(_ token: EnrolmentTokenRecord) async throws {
        try await write { db in
            try self.requireDevice(db, token.device)
            try db.execute(
                sql: "INSERT OR REPLACE INTO enrolment_tokens (device_id, salt, digest, created, expires) VALUES (?, ?, ?, ?, ?)",
                arguments: [token.device.rawValue, Data(token.salt), Data(token.digest), token.created, token.expires])
            return ((), [.enrolmentTokenIssued(token.device)])
        }
    }

    /// The device's enrolment token, or `nil`.
    public func enrolmentToken(device id: DeviceID) async throws -> EnrolmentTokenRecord? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT salt, digest, created, expires FROM enrolment_tokens WHERE device_id = ?", arguments: [id.rawValue]
            ).map { row in
                EnrolmentTokenRecord(device: id, salt: Array(row[0] as Data), digest: Array(row[1] as Data), created: row[2], expires: row[3])
            }
        }
    }

    /// Deletes the device's token if it has this digest and has not expired; `true` if it did.
    public func consumeEnrolmentToken(device id: DeviceID, digest: [UInt8], at unixTime: Int64) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM enrolment_tokens WHERE device_id = ? AND digest = ? AND expires > ?",
                arguments: [id.rawValue, Data(digest), unixTime])
            let used = db.changesCount == 1
            return (used, used ? [.enrolmentTokenUsed(id)] : [])
        }
    }
}
