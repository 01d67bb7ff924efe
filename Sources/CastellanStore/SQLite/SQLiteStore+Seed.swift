import CastellanAuth
import Foundation
import GRDB

extension SQLiteStore {
    /// Writes a synthetic fleet in one transaction through prepared statements (benchmarks only).
    @_spi(Bench)
    public func seed(_ fleet: FleetSeed) async throws {
        let sealer = self.sealer.withLock { $0 }
        try await pool.write { db in
            let group = try db.makeStatement(sql: "INSERT INTO acl_rules (group_name, effect, access, pattern) VALUES (?, ?, ?, ?)")
            for index in 0..<fleet.groups {
                for rule in 0..<fleet.rulesPerGroup {
                    let r = FleetSeed.groupRule(rule)
                    try group.execute(arguments: [FleetSeed.groupName(index), r.effect, r.access, r.pattern])
                }
            }
            let device = try db.makeStatement(sql: "INSERT INTO devices (id, enabled, policy, created) VALUES (?, 1, 'scram+totp', ?)")
            let member = try db.makeStatement(sql: "INSERT INTO device_groups (device_id, group_name) VALUES (?, ?)")
            let scram = try db.makeStatement(sql: """
                INSERT INTO scram_credentials (device_id, mechanism, salt, iterations, stored_key, server_key) VALUES (?, ?, ?, ?, ?, ?)
                """)
            let totp = try db.makeStatement(sql: """
                INSERT INTO totp_credentials (device_id, sealed_secret, algorithm, digits, period, t0, last_step) VALUES (?, ?, ?, ?, ?, ?, NULL)
                """)
            let own = try db.makeStatement(sql: "INSERT INTO acl_rules (device_id, effect, access, pattern) VALUES (?, ?, ?, ?)")
            let (salt, storedKey, serverKey) = (Data(fleet.scram.salt), Data(fleet.scram.storedKey), Data(fleet.scram.serverKey))
            for index in 0..<fleet.devices {
                let id = FleetSeed.deviceID(index)
                try device.execute(arguments: [id, fleet.created])
                try member.execute(arguments: [id, FleetSeed.groupName(index % fleet.groups)])
                try scram.execute(arguments: [id, fleet.scram.mechanism.name, salt, fleet.scram.iterations, storedKey, serverKey])
                let sealed = try sealer.seal(fleet.totp.secret.bytes, context: id)
                try totp.execute(arguments: [
                    id, Data(sealed), fleet.totp.algorithm.name, fleet.totp.digits, fleet.totp.period, fleet.totp.t0,
                ])
                try own.execute(arguments: [id, FleetSeed.ownRule.effect, FleetSeed.ownRule.access, FleetSeed.ownRule.pattern])
            }
        }
        // Fresh statistics for the query planner after a bulk load.
        try await pool.write { db in try db.execute(sql: "ANALYZE") }
        // A running store's WAL stays small: every commit past 1,000 pages checkpoints it, and the
        // next write starts it over. One bulk transaction leaves the whole fleet in the WAL until a
        // write comes, so every read would search the WAL index and copy pages out of it instead of
        // reading the mapped database file. Truncate it, as the service's own traffic would.
        _ = try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
