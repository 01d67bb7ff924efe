import CastellanAuth
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStore {
    /// Writes a synthetic fleet in one transaction, 20,000 devices per statement from arrays
    /// (benchmarks only); then `ANALYZE`s the tables for the planner.
    @_spi(Bench)
    public func seed(_ fleet: FleetSeed) async throws {
        let sealer = self.sealer.withLock { $0 }
        try await write { connection in
            var groups: [String] = [], effects: [String] = [], accesses: [Int] = [], patterns: [String] = []
            for index in 0..<fleet.groups {
                for rule in 0..<fleet.rulesPerGroup {
                    let r = FleetSeed.groupRule(rule)
                    groups.append(FleetSeed.groupName(index))
                    effects.append(r.effect)
                    accesses.append(r.access)
                    patterns.append(r.pattern)
                }
            }
            if !groups.isEmpty {
                _ = try await connection.query(
                    """
                    INSERT INTO acl_rules (group_name, effect, access, pattern)
                    SELECT * FROM unnest(\(groups)::text[], \(effects)::text[], \(accesses)::int[], \(patterns)::text[])
                    """, logger: self.logger
                ).collect()
            }
            let salt = Data(fleet.scram.salt), storedKey = Data(fleet.scram.storedKey), serverKey = Data(fleet.scram.serverKey)
            for start in stride(from: 0, to: fleet.devices, by: 20_000) {
                let indices = start..<min(start + 20_000, fleet.devices)
                let ids = indices.map(FleetSeed.deviceID)
                let memberships = indices.map { FleetSeed.groupName($0 % fleet.groups) }
                let sealed = try ids.map { ByteBuffer(bytes: try sealer.seal(fleet.totp.secret.bytes, context: $0)) }
                _ = try await connection.query(
                    """
                    INSERT INTO devices (id, enabled, policy, created)
                    SELECT id, true, 'scram+totp', \(fleet.created) FROM unnest(\(ids)::text[]) AS u(id)
                    """, logger: self.logger
                ).collect()
                _ = try await connection.query(
                    "INSERT INTO device_groups (device_id, group_name) SELECT * FROM unnest(\(ids)::text[], \(memberships)::text[])",
                    logger: self.logger
                ).collect()
                _ = try await connection.query(
                    """
                    INSERT INTO scram_credentials (device_id, mechanism, salt, iterations, stored_key, server_key)
                    SELECT id, \(fleet.scram.mechanism.name), \(salt), \(fleet.scram.iterations), \(storedKey), \(serverKey)
                    FROM unnest(\(ids)::text[]) AS u(id)
                    """, logger: self.logger
                ).collect()
                _ = try await connection.query(
                    """
                    INSERT INTO totp_credentials (device_id, sealed_secret, algorithm, digits, period, t0, last_step)
                    SELECT id, sealed, \(fleet.totp.algorithm.name), \(fleet.totp.digits), \(fleet.totp.period), \(fleet.totp.t0), NULL
                    FROM unnest(\(ids)::text[], \(sealed)::bytea[]) AS u(id, sealed)
                    """, logger: self.logger
                ).collect()
                _ = try await connection.query(
                    """
                    INSERT INTO acl_rules (device_id, effect, access, pattern)
                    SELECT id, \(FleetSeed.ownRule.effect), \(FleetSeed.ownRule.access), \(FleetSeed.ownRule.pattern)
                    FROM unnest(\(ids)::text[]) AS u(id)
                    """, logger: self.logger
                ).collect()
            }
            return ((), [])
        }
        try await read { connection in
            _ = try await connection.query("ANALYZE", logger: self.logger).collect()
        }
    }
}
