import CastellanAuth
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Sets the device's enrolment token, replacing any earlier one; the device must exist.
    public func setEnrolmentToken(_ token: EnrolmentTokenRecord) async throws {
        try await write { connection in
            try await self.requireDevice(connection, token.device)
            _ = try await connection.query(
                """
                INSERT INTO enrolment_tokens (device_id, salt, digest, created, expires)
                VALUES (\(token.device.rawValue), \(Data(token.salt)), \(Data(token.digest)), \(token.created), \(token.expires))
                ON CONFLICT (device_id) DO UPDATE SET
                    salt = excluded.salt, digest = excluded.digest, created = excluded.created, expires = excluded.expires
                """, logger: self.logger
            ).collect()
            return ((), [.enrolmentTokenIssued(token.device)])
        }
    }

    /// The device's enrolment token, or `nil`.
    public func enrolmentToken(device id: DeviceID) async throws -> EnrolmentTokenRecord? {
        try await read { connection in
            try await connection.query(
                "SELECT salt, digest, created, expires FROM enrolment_tokens WHERE device_id = \(id.rawValue)", logger: self.logger
            ).collect().first.map { row in
                let columns: (Data, Data, Int64, Int64)
                do { columns = try row.decode((Data, Data, Int64, Int64).self) } catch {
                    throw StoreError.corruptRecord("enrolment token of '\(id)': \(error)")
                }
                return EnrolmentTokenRecord(device: id, salt: Array(columns.0), digest: Array(columns.1),
                                            created: columns.2, expires: columns.3)
            }
        }
    }

    /// Deletes the device's token if it has this digest and has not expired; `true` if it did
    /// (the row lock makes one of two racing uses win).
    public func consumeEnrolmentToken(device id: DeviceID, digest: [UInt8], at unixTime: Int64) async throws -> Bool {
        try await write { connection in
            let deleted = try await connection.query(
                """
                DELETE FROM enrolment_tokens
                WHERE device_id = \(id.rawValue) AND digest = \(Data(digest)) AND expires > \(unixTime)
                RETURNING 1
                """, logger: self.logger
            ).collect()
            let used = !deleted.isEmpty
            return (used, used ? [.enrolmentTokenUsed(id)] : [])
        }
    }
}
