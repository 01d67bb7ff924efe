import CastellanAuth
import Foundation
import GRDB

extension SQLiteStore {
    /// Sets (replaces) the device's SCRAM credential, dropping an imported hash it still had.
    public func setSCRAMCredential(_ credential: SCRAMCredential, device id: DeviceID) async throws {
        try await write { db in
            try self.requireDevice(db, id)
            try Self.insertSCRAM(db, credential, device: id)
            return ((), [.credentialsChanged(id, .secret)])
        }
    }

    /// The device's SCRAM credential, or `nil`; a row that is not a valid credential throws.
    public func scramCredential(device id: DeviceID) async throws -> SCRAMCredential? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM scram_credentials WHERE device_id = ?", arguments: [id.rawValue])
                .map { try Self.scramCredential($0, device: id) }
        }
    }

    static func scramCredential(_ row: Row, device id: DeviceID) throws -> SCRAMCredential {
        try StoredColumns.scram(
            mechanism: row["mechanism"], salt: row["salt"], iterations: row["iterations"], storedKey: row["stored_key"],
            serverKey: row["server_key"], device: id)
    }

    /// Enrols the device's TOTP credential, sealing the secret; the step history starts over.
    public func setTOTP(_ totp: TOTP, device id: DeviceID) async throws {
        let sealed = try sealer.withLock { try $0.seal(totp.secret.bytes, context: id.rawValue) }
        try await write { db in
            try self.requireDevice(db, id)
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO totp_credentials (device_id, sealed_secret, algorithm, digits, period, t0, last_step)
                    VALUES (?, ?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [id.rawValue, Data(sealed), totp.algorithm.name, totp.digits, totp.period, totp.t0])
            return ((), [.credentialsChanged(id, .totp)])
        }
    }

    /// Removes the device's TOTP credential, if it has one.
    public func removeTOTP(device id: DeviceID) async throws {
        try await write { db in
            try self.requireDevice(db, id)
            try db.execute(sql: "DELETE FROM totp_credentials WHERE device_id = ?", arguments: [id.rawValue])
            return ((), db.changesCount == 1 ? [.credentialsChanged(id, .totp)] : [])
        }
    }

    /// The device's opened TOTP credential; throws ``StoreError/sealedSecretRejected(_:fileID:line:)`` if tampered.
    public func totpEnrolment(device id: DeviceID) async throws -> TOTPEnrolment? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM totp_credentials WHERE device_id = ?", arguments: [id.rawValue])
                .map { try self.totpEnrolment($0, device: id) }
        }
    }

    /// Opens a `totp_credentials` row.
    func totpEnrolment(_ row: Row, device id: DeviceID) throws -> TOTPEnrolment {
        try SealedTOTPEnrolment(
            device: id, sealedSecret: Array(row["sealed_secret"] as Data), algorithm: row["algorithm"], digits: row["digits"],
            period: row["period"], t0: row["t0"], lastAcceptedStep: row["last_step"], sealer: sealer.withLock { $0 }
        ).open()
    }

    /// Accepts `step` for `device` only if it is newer than the last accepted one: one
    /// conditional `UPDATE`, atomic across tasks and processes. A device without a TOTP
    /// credential accepts nothing.
    public func accept(step: Int64, for device: DeviceID) async throws -> Bool {
        guard step >= 0 else { return false }
        return try await pool.write { db in
            try db.execute(
                sql: "UPDATE totp_credentials SET last_step = ? WHERE device_id = ? AND (last_step IS NULL OR last_step < ?)",
                arguments: [step, device.rawValue, step])
            return db.changesCount == 1
        }
    }

    /// Re-seals every TOTP secret under `newKey` in one transaction, then switches to it.
    ///
    /// A secret that fails to open under the current key aborts the whole rotation (nothing is
    /// changed). The caller writes the new key file; see `castellan key rotate` for the order.
    public func rotateMasterKey(to newKey: MasterKey) async throws {
        let old = sealer.withLock { $0 }
        let new = SecretSealer(key: newKey)
        try await write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT device_id, sealed_secret FROM totp_credentials")
            for row in rows {
                let device: String = row["device_id"]
                let secret = try old.open(Array(row["sealed_secret"] as Data), context: device)
                let resealed = try new.seal(secret, context: device)
                try db.execute(
                    sql: "UPDATE totp_credentials SET sealed_secret = ? WHERE device_id = ?",
                    arguments: [Data(resealed), device])
            }
            try db.execute(sql: "UPDATE store_key SET check_value = ? WHERE id = 1", arguments: [Data(newKey.checkValue)])
            return ((), [.masterKeyRotated])
        }
        sealer.withLock { $0 = new }
    }
}
