import CastellanAuth
import Foundation
import GRDB

extension SQLiteStore {
    /// The device, its credentials, lockout counts and effective rules from one read
    /// transaction (a consistent snapshot), on the calling thread.
    ///
    /// Three cached statements read by column index through cursors: GRDB's by-name column
    /// lookup (a case-insensitive search per access) and row copies were most of the CPU of
    /// this read. The device id is the key searched for, so it is not parsed again; the TOTP
    /// secret stays sealed (``SealedTOTPEnrolment``). An unknown name runs the same three
    /// statements as a known one, so the read's time does not tell names apart.
    public func connectProfile(device id: DeviceID, source: String?) async throws -> ConnectProfile? {
        try readOnCallingThread { db -> ConnectProfile? in
            let key: StatementArguments = [id.rawValue]
            let rows = try Row.fetchCursor(db.cachedStatement(sql: Self.profileSQL), arguments: [id.rawValue, source])
            let row = try rows.next()
            let groups = try String.fetchAll(
                db.cachedStatement(sql: "SELECT group_name FROM device_groups WHERE device_id = ?"), arguments: key)
            let rules = try Self.rules(db.cachedStatement(sql: Self.effectiveRulesSQL), arguments: key)
            guard let row else { return nil }
            let device = try StoredColumns.device(
                id: id, enabled: row[0], policy: row[1], created: row[2], groups: groups, clientID: row[19])
            var scram: SCRAMCredential?
            var totp: SealedTOTPEnrolment?
            if let mechanism: String = row[3] {
                scram = try StoredColumns.scram(
                    mechanism: mechanism, salt: row[4], iterations: row[5], storedKey: row[6], serverKey: row[7], device: id)
            }
            if let sealed: Data = row[8] {
                totp = SealedTOTPEnrolment(
                    device: id, sealedSecret: Array(sealed), algorithm: row[9], digits: row[10], period: row[11], t0: row[12],
                    lastAcceptedStep: row[13], sealer: self.sealer.withLock { $0 })
            }
            let lockout = LockoutRecord(consecutiveFailures: row[14] ?? 0, lastFailure: row[15])
            let legacy = try (row[16] as String?).map { try StoredColumns.legacy($0, device: id) }
            let fromSource = LockoutRecord(consecutiveFailures: row[17] ?? 0, lastFailure: row[18])
            return ConnectProfile(
                device: device, scram: scram, totp: totp, rules: rules, lockout: lockout, sourceLockout: fromSource, legacy: legacy)
        }
    }

    /// One row per device, read by index in ``connectProfile(device:source:)``; `?1` is the
    /// device id, `?2` the lockout source (`NULL`: none).
    private static let profileSQL = """
        SELECT d.enabled, d.policy, d.created,
            s.mechanism, s.salt, s.iterations, s.stored_key, s.server_key,
            t.sealed_secret, t.algorithm, t.digits, t.period, t.t0, t.last_step,
            l.failures, l.last_failure, c.hash,
            ls.failures, ls.last_failure, d.client_id
        FROM devices d
        LEFT JOIN scram_credentials s ON s.device_id = d.id
        LEFT JOIN totp_credentials t ON t.device_id = d.id
        LEFT JOIN lockout_counters l ON l.device_id = d.id
        LEFT JOIN legacy_credentials c ON c.device_id = d.id
        LEFT JOIN lockout_sources ls ON ls.device_id = d.id AND ls.source = ?2
        WHERE d.id = ?1
        """
}
