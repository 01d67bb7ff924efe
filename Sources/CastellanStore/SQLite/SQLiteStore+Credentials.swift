import CastellanAuth
import Foundation
import GRDB

extension SQLiteStore {
    /// Sets (replaces) the device's SCRAM credential.
    public func setSCRAMCredential(_ credential: SCRAMCredential, device id: DeviceID) async throws {
        try await write { db in
            try self.requireDevice(db, id)
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO scram_credentials (device_id, mechanism, salt, iterations, stored_key, server_key)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id.rawValue, credential.mechanism.name, Data(credential.salt), credential.iterations,
                    Data(credential.storedKey), Data(credential.serverKey),
                ])
            return ((), [.credentialsChanged(id)])
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
        guard let mechanism = SCRAMMechanism(name: row["mechanism"], allowLegacySHA1: true) else {
            throw StoreError.corruptRecord("SCRAM credential of '\(id)': unknown mechanism")
        }
        do {
            return try SCRAMCredential(
                mechanism: mechanism, salt: Array(row["salt"] as Data), iterations: row["iterations"],
                storedKey: Array(row["stored_key"] as Data), serverKey: Array(row["server_key"] as Data))
        } catch {
            throw StoreError.corruptRecord("SCRAM credential of '\(id)': \(error)")
        }
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
            return ((), [.credentialsChanged(id)])
        }
    }

    /// The device's opened TOTP credential; throws ``StoreError/sealedSecretRejected(_:fileID:line:)`` if tampered.
    public func totpEnrolment(device id: DeviceID) async throws -> TOTPEnrolment? {
        let row = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM totp_credentials WHERE device_id = ?", arguments: [id.rawValue])
        }
        guard let row else { return nil }
        return try totpEnrolment(row, device: id)
    }

    /// Opens a `totp_credentials` row.
    func totpEnrolment(_ row: Row, device id: DeviceID) throws -> TOTPEnrolment {
        let sealed: Data = row["sealed_secret"]
        let secret = try sealer.withLock { sealer throws(StoreError) in try sealer.open(Array(sealed), context: id.rawValue) }
        do {
            let totp = try TOTP(
                secret: TOTPSecret(bytes: secret), algorithm: OTPAlgorithm(parsing: row["algorithm"]),
                digits: row["digits"], period: row["period"], t0: row["t0"])
            return TOTPEnrolment(totp: totp, lastAcceptedStep: row["last_step"])
        } catch {
            throw StoreError.corruptRecord("TOTP credential of '\(id)': \(error)")
        }
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
            return ((), [])
        }
        sealer.withLock { $0 = new }
    }
}
