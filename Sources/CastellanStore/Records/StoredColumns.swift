import CastellanAuth
import Foundation

/// Records from the column values both backends store: one place that checks what was read
/// back, so a corrupt row is refused alike on SQLite and PostgreSQL.
enum StoredColumns {
    /// A `devices` row with its group names; `id` was validated by whoever holds it.
    static func device(
        id: DeviceID, enabled: Bool, policy: String, created: Int64, groups: [String], clientID: String?
    ) throws -> DeviceRecord {
        do {
            return DeviceRecord(
                id: id, enabled: enabled, policy: try AuthFactors(parsing: policy), groups: try groups.map { try DeviceGroup($0) },
                created: created, clientID: try clientID.map { try BoundClientID($0) })
        } catch {
            throw StoreError.corruptRecord("device row '\(id)': \(error)")
        }
    }

    /// A `devices` row whose id is still text.
    static func device(
        rawID: String, enabled: Bool, policy: String, created: Int64, groups: [String], clientID: String?
    ) throws -> DeviceRecord {
        let id: DeviceID
        do { id = try DeviceID(rawID) } catch { throw StoreError.corruptRecord("device row '\(rawID)': \(error)") }
        return try device(id: id, enabled: enabled, policy: policy, created: created, groups: groups, clientID: clientID)
    }

    /// A `scram_credentials` row.
    static func scram(
        mechanism name: String, salt: Data, iterations: Int, storedKey: Data, serverKey: Data, device id: DeviceID
    ) throws -> SCRAMCredential {
        guard let mechanism = SCRAMMechanism(name: name, allowLegacySHA1: true) else {
            throw StoreError.corruptRecord("SCRAM credential of '\(id)': unknown mechanism")
        }
        do {
            return try SCRAMCredential(
                mechanism: mechanism, salt: Array(salt), iterations: iterations, storedKey: Array(storedKey),
                serverKey: Array(serverKey))
        } catch {
            throw StoreError.corruptRecord("SCRAM credential of '\(id)': \(error)")
        }
    }

    /// A `legacy_credentials` row's hash.
    static func legacy(_ text: String, device id: DeviceID) throws -> LegacyPasswordHash {
        do { return try LegacyPasswordHash(parsing: text) } catch {
            throw StoreError.corruptRecord("imported password hash of '\(id)': \(error)")
        }
    }

    /// The rule of an `acl_rules` row.
    static func rule(id: Int64, effect: String, access: Int, pattern: String) throws -> ACLRule {
        do {
            guard let effect = ACLEffect(keyword: effect) else { throw StoreError.corruptRecord("effect") }
            guard let access = UInt8(exactly: access) else { throw StoreError.corruptRecord("access") }
            return try ACLRule(effect, ACLAccessSet(rawValue: access), ACLPattern(pattern))
        } catch {
            throw StoreError.corruptRecord("ACL rule \(id): \(error)")
        }
    }

    /// An `acl_rules` row with its scope.
    static func storedRule(
        id: Int64, device: String?, group: String?, effect: String, access: Int, pattern: String
    ) throws -> StoredACLRule {
        let rule = try rule(id: id, effect: effect, access: access, pattern: pattern)
        do {
            let scope: ACLScope = if let device { .device(try DeviceID(device)) } else { .group(try DeviceGroup(group ?? "")) }
            return StoredACLRule(id: id, scope: scope, rule: rule)
        } catch {
            throw StoreError.corruptRecord("ACL rule \(id): \(error)")
        }
    }
}
