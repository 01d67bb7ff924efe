import CastellanAuth
import Foundation
import PostgresNIO

extension PostgresStore {
    /// The device, its credentials, lockout counts and effective rules in one statement — one round trip and
    /// one snapshot — through a prepared statement on the connect path's own connection
    /// (``PostgresConnectReader``); the TOTP secret stays sealed (``SealedTOTPEnrolment``).
    public func connectProfile(device id: DeviceID, source: String?) async throws -> ConnectProfile? {
        let row = try await translatingErrors {
            try await connectReader.run { connection in
                try await connection.execute(ConnectProfileStatement(device: id.rawValue, source: source), logger: logger)
                    .reduce(into: [ConnectProfileRow]()) { $0.append($1) }.first
            }
        }
        guard let row else { return nil }
        let device = try StoredColumns.device(
            id: id, enabled: row.enabled, policy: row.policy, created: row.created, groups: row.groups, clientID: row.clientID)
        var scram: SCRAMCredential?
        if let mechanism = row.scramMechanism, let salt = row.salt, let iterations = row.iterations,
            let storedKey = row.storedKey, let serverKey = row.serverKey
        {
            scram = try Self.scramCredential((mechanism, salt, iterations, storedKey, serverKey), device: id)
        }
        var totp: SealedTOTPEnrolment?
        if let sealed = row.sealedSecret, let algorithm = row.algorithm, let digits = row.digits, let period = row.period,
            let t0 = row.t0
        {
            totp = SealedTOTPEnrolment(
                device: id, sealedSecret: Array(sealed), algorithm: algorithm, digits: digits, period: period, t0: t0,
                lastAcceptedStep: row.lastStep, sealer: sealer.withLock { $0 })
        }
        var rules: [ACLRule] = []
        let effects = row.effects ?? [], accesses = row.accesses ?? [], patterns = row.patterns ?? []
        guard effects.count == accesses.count, effects.count == patterns.count else {
            throw StoreError.corruptRecord("ACL rules of '\(id)'")
        }
        for index in effects.indices {
            rules.append(try StoredColumns.rule(id: 0, effect: effects[index], access: accesses[index], pattern: patterns[index]))
        }
        let lockout = LockoutRecord(consecutiveFailures: row.failures ?? 0, lastFailure: row.lastFailure)
        let legacy = try row.legacyHash.map { try StoredColumns.legacy($0, device: id) }
        let fromSource = LockoutRecord(consecutiveFailures: row.sourceFailures ?? 0, lastFailure: row.sourceLastFailure)
        return ConnectProfile(
            device: device, scram: scram, totp: totp, rules: rules, lockout: lockout, sourceLockout: fromSource, legacy: legacy)
    }
}

/// One row of ``ConnectProfileStatement``: the device, its optional credentials (all columns
/// `NULL` when absent) and its effective rules as three parallel arrays in rule-id order.
struct ConnectProfileRow: Sendable {
    var id: String
    var enabled: Bool
    var policy: String
    var created: Int64
    var groups: [String]
    var scramMechanism: String?
    var salt: Data?
    var iterations: Int?
    var storedKey: Data?
    var serverKey: Data?
    var sealedSecret: Data?
    var algorithm: String?
    var digits: Int?
    var period: Int?
    var t0: Int64?
    var lastStep: Int64?
    var effects: [String]?
    var accesses: [Int]?
    var patterns: [String]?
    var failures: Int?
    var lastFailure: Int64?
    var legacyHash: String?
    var sourceFailures: Int?
    var sourceLastFailure: Int64?
    var clientID: String?
}

/// The per-connect read as a named prepared statement: parsed and planned once per connection.
struct ConnectProfileStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT d.id, d.enabled, d.policy, d.created,
            ARRAY(SELECT g.group_name FROM device_groups g WHERE g.device_id = d.id) AS groups,
            s.mechanism, s.salt, s.iterations, s.stored_key, s.server_key,
            t.sealed_secret, t.algorithm, t.digits, t.period, t.t0, t.last_step,
            r.effects, r.accesses, r.patterns,
            l.failures, l.last_failure, c.hash,
            ls.failures, ls.last_failure, d.client_id
        FROM devices d
        LEFT JOIN scram_credentials s ON s.device_id = d.id
        LEFT JOIN totp_credentials t ON t.device_id = d.id
        LEFT JOIN lockout_counters l ON l.device_id = d.id
        LEFT JOIN legacy_credentials c ON c.device_id = d.id
        LEFT JOIN lockout_sources ls ON ls.device_id = d.id AND ls.source = $2
        LEFT JOIN LATERAL (
            SELECT array_agg(u.effect ORDER BY u.id) AS effects, array_agg(u.access ORDER BY u.id) AS accesses,
                array_agg(u.pattern ORDER BY u.id) AS patterns
            FROM (
                -- Two index searches: with `device_id = … OR group_name IN (…)` the planner scans the table.
                SELECT a.id, a.effect, a.access, a.pattern FROM acl_rules a WHERE a.device_id = d.id
                UNION ALL
                SELECT a.id, a.effect, a.access, a.pattern
                FROM device_groups g JOIN acl_rules a ON a.group_name = g.group_name WHERE g.device_id = d.id
            ) u
        ) r ON true
        WHERE d.id = $1
        """
    typealias Row = ConnectProfileRow

    var device: String
    /// The lockout source whose count to read; `nil` reads none.
    var source: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(device)
        bindings.append(source)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> ConnectProfileRow {
        let columns = row.makeRandomAccess()
        func column<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
            do { return try columns[index].decode(T.self) } catch {
                throw StoreError.corruptRecord("connect profile column \(columns[index].columnName): \(error)")
            }
        }
        return ConnectProfileRow(
            id: try column(0, String.self), enabled: try column(1, Bool.self), policy: try column(2, String.self),
            created: try column(3, Int64.self), groups: try column(4, [String].self),
            scramMechanism: try column(5, String?.self), salt: try column(6, Data?.self), iterations: try column(7, Int?.self),
            storedKey: try column(8, Data?.self), serverKey: try column(9, Data?.self),
            sealedSecret: try column(10, Data?.self), algorithm: try column(11, String?.self), digits: try column(12, Int?.self),
            period: try column(13, Int?.self), t0: try column(14, Int64?.self), lastStep: try column(15, Int64?.self),
            effects: try column(16, [String]?.self), accesses: try column(17, [Int]?.self), patterns: try column(18, [String]?.self),
            failures: try column(19, Int?.self), lastFailure: try column(20, Int64?.self),
            legacyHash: try column(21, String?.self),
            sourceFailures: try column(22, Int?.self), sourceLastFailure: try column(23, Int64?.self),
            clientID: try column(24, String?.self))
    }
}
