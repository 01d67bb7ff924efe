import CastellanAuth
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Sets (replaces) the device's SCRAM credential, dropping an imported hash it still had.
    public func setSCRAMCredential(_ credential: SCRAMCredential, device id: DeviceID) async throws {
        try await write { connection in
            try await self.requireDevice(connection, id)
            try await self.insertSCRAM(connection, credential, device: id)
            return ((), [.credentialsChanged(id, .secret)])
        }
    }

    /// The device's SCRAM credential, or `nil`; a row that is not a valid credential throws.
    public func scramCredential(device id: DeviceID) async throws -> SCRAMCredential? {
        try await read { connection in
            try await connection.query(
                """
                SELECT mechanism, salt, iterations, stored_key, server_key FROM scram_credentials
                WHERE device_id = \(id.rawValue)
                """, logger: self.logger
            ).collect().first.map { row in
                let columns: (String, Data, Int, Data, Data)
                do { columns = try row.decode((String, Data, Int, Data, Data).self) } catch {
                    throw StoreError.corruptRecord("SCRAM credential of '\(id)': \(error)")
                }
                return try Self.scramCredential(columns, device: id)
            }
        }
    }

    static func scramCredential(_ columns: (String, Data, Int, Data, Data), device id: DeviceID) throws -> SCRAMCredential {
        try StoredColumns.scram(
            mechanism: columns.0, salt: columns.1, iterations: columns.2, storedKey: columns.3, serverKey: columns.4, device: id)
    }

    /// Enrols the device's TOTP credential, sealing the secret; the step history starts over.
    public func setTOTP(_ totp: TOTP, device id: DeviceID) async throws {
        let sealed = try sealer.withLock { try $0.seal(totp.secret.bytes, context: id.rawValue) }
        try await write { connection in
            try await self.requireDevice(connection, id)
            _ = try await connection.query(
                """
                INSERT INTO totp_credentials (device_id, sealed_secret, algorithm, digits, period, t0, last_step)
                VALUES (\(id.rawValue), \(Data(sealed)), \(totp.algorithm.name), \(totp.digits), \(totp.period), \(totp.t0), NULL)
                ON CONFLICT (device_id) DO UPDATE SET
                    sealed_secret = excluded.sealed_secret, algorithm = excluded.algorithm, digits = excluded.digits,
                    period = excluded.period, t0 = excluded.t0, last_step = NULL
                """, logger: self.logger
            ).collect()
            return ((), [.credentialsChanged(id, .totp)])
        }
    }

    /// Removes the device's TOTP credential, if it has one.
    public func removeTOTP(device id: DeviceID) async throws {
        try await write { connection in
            try await self.requireDevice(connection, id)
            let removed = try await connection.query(
                "DELETE FROM totp_credentials WHERE device_id = \(id.rawValue) RETURNING 1", logger: self.logger
            ).collect()
            return ((), removed.isEmpty ? [] : [.credentialsChanged(id, .totp)])
        }
    }

    /// The device's opened TOTP credential; throws ``StoreError/sealedSecretRejected(_:fileID:line:)`` if tampered.
    public func totpEnrolment(device id: DeviceID) async throws -> TOTPEnrolment? {
        let columns = try await read { connection in
            try await connection.query(
                """
                SELECT sealed_secret, algorithm, digits, period, t0, last_step FROM totp_credentials
                WHERE device_id = \(id.rawValue)
                """, logger: self.logger
            ).collect().first.map { row in
                do { return try row.decode((Data, String, Int, Int, Int64, Int64?).self) } catch {
                    throw StoreError.corruptRecord("TOTP credential of '\(id)': \(error)")
                }
            }
        }
        return try columns.map { try totpEnrolment($0, device: id) }
    }

    /// Opens the sealed secret of a `totp_credentials` row.
    func totpEnrolment(_ columns: (Data, String, Int, Int, Int64, Int64?), device id: DeviceID) throws -> TOTPEnrolment {
        try SealedTOTPEnrolment(
            device: id, sealedSecret: Array(columns.0), algorithm: columns.1, digits: columns.2, period: columns.3, t0: columns.4,
            lastAcceptedStep: columns.5, sealer: sealer.withLock { $0 }
        ).open()
    }

    /// Accepts `step` for `device` only if it is newer than the last accepted one: one
    /// conditional `UPDATE`. Concurrent updaters of the row queue on its lock and re-check the
    /// condition against the committed value, so across every instance exactly one caller wins
    /// a step. A device without a TOTP credential accepts nothing.
    public func accept(step: Int64, for device: DeviceID) async throws -> Bool {
        guard step >= 0 else { return false }
        return try await read { connection in
            let updated = try await connection.query(
                """
                UPDATE totp_credentials SET last_step = \(step)
                WHERE device_id = \(device.rawValue) AND (last_step IS NULL OR last_step < \(step)) RETURNING 1
                """, logger: self.logger
            ).collect()
            return updated.count == 1
        }
    }

    /// Re-seals every TOTP secret under `newKey` in one transaction, then switches to it.
    ///
    /// The rows are locked first, so a concurrent enrolment waits for the rotation. A secret
    /// that fails to open under the current key aborts the whole rotation (nothing changes).
    /// Other instances keep sealing with the key they loaded: restart them with the new key file.
    public func rotateMasterKey(to newKey: MasterKey) async throws {
        let old = sealer.withLock { $0 }
        let new = SecretSealer(key: newKey)
        try await write { connection in
            let rows = try await connection.query(
                "SELECT device_id, sealed_secret FROM totp_credentials ORDER BY device_id FOR UPDATE", logger: self.logger
            ).collect()
            var devices: [String] = []
            var resealed: [ByteBuffer] = []
            for row in rows {
                let (device, sealed) = try row.decode((String, Data).self)
                let secret = try old.open(Array(sealed), context: device)
                devices.append(device)
                resealed.append(ByteBuffer(bytes: try new.seal(secret, context: device)))
            }
            if !devices.isEmpty {
                _ = try await connection.query(
                    """
                    UPDATE totp_credentials t SET sealed_secret = r.sealed
                    FROM unnest(\(devices)::text[], \(resealed)::bytea[]) AS r(device_id, sealed)
                    WHERE t.device_id = r.device_id
                    """, logger: self.logger
                ).collect()
            }
            _ = try await connection.query(
                "UPDATE store_key SET check_value = \(Data(newKey.checkValue)) WHERE id = 1", logger: self.logger
            ).collect()
            return ((), [.masterKeyRotated])
        }
        sealer.withLock { $0 = new }
    }
}
