import CastellanAuth
import Foundation
import GRDB

extension SQLiteStore {
    /// The device, its credentials and effective rules from one read transaction (a consistent
    /// snapshot), through cached statements, on the calling thread; the TOTP secret is opened
    /// after the read.
    public func connectProfile(device id: DeviceID) async throws -> ConnectProfile? {
        let rows = try readOnCallingThread { db -> (device: Row, groups: [String], scram: Row?, totp: Row?, rules: [Row])? in
            let key: StatementArguments = [id.rawValue]
            guard let device = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM devices WHERE id = ?"), arguments: key) else {
                return nil
            }
            let groups = try String.fetchAll(
                db.cachedStatement(sql: "SELECT group_name FROM device_groups WHERE device_id = ?"), arguments: key)
            let scram = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM scram_credentials WHERE device_id = ?"), arguments: key)
            let totp = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM totp_credentials WHERE device_id = ?"), arguments: key)
            let rules = try Row.fetchAll(db.cachedStatement(sql: Self.effectiveRulesSQL), arguments: key)
            return (device, groups, scram, totp, rules)
        }
        guard let rows else { return nil }
        return ConnectProfile(
            device: try Self.deviceRecord(rows.device, groups: rows.groups),
            scram: try rows.scram.map { try Self.scramCredential($0, device: id) },
            totp: try rows.totp.map { try totpEnrolment($0, device: id) },
            rules: try rows.rules.map { try Self.storedRule($0).rule })
    }
}
