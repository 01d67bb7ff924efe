import Foundation

/// The PostgreSQL schema, as a list of versioned migrations — the same identifiers and the
/// same rules as ``SQLiteSchema``.
///
/// Migrations are append-only: a released one is never edited, a change is a new one. Applied
/// identifiers are recorded in `castellan_migrations`; a database holding one this list does
/// not know (written by a newer Castellan) is refused before anything is written. Each
/// migration runs in its own transaction together with its record, under an advisory lock, so
/// service instances starting at the same moment migrate once and never see half a schema.
///
/// Text that is sorted or compared (ids, group names, serials) uses the `"C"` collation: the
/// byte order SQLite uses, whatever locale the cluster was created with.
enum PostgresSchema {
    /// One migration: its identifier and its SQL (several statements, no parameters).
    struct Migration: Sendable {
        let identifier: String
        let sql: String

        /// The statements, one by one (the extended protocol takes one per query). Migration
        /// SQL holds no `;` inside a statement.
        var statements: [String] {
            sql.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        }
    }

    /// Key of the advisory lock held while migrating ("castellan" in ASCII, as a number).
    static let migrationLock: Int64 = 0x6361_7374_656C_6C61

    /// The identifiers of every migration this build knows, oldest first.
    static var versions: [String] { migrations.map(\.identifier) }

    static let migrations: [Migration] = [
        Migration(identifier: "v1", sql: """
            CREATE TABLE devices (
                id TEXT COLLATE "C" PRIMARY KEY,
                enabled BOOLEAN NOT NULL,
                policy TEXT NOT NULL,
                created BIGINT NOT NULL
            );
            CREATE TABLE device_groups (
                device_id TEXT COLLATE "C" NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                group_name TEXT COLLATE "C" NOT NULL,
                PRIMARY KEY (device_id, group_name)
            );
            CREATE INDEX device_groups_by_group ON device_groups(group_name);
            CREATE TABLE scram_credentials (
                device_id TEXT COLLATE "C" PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
                mechanism TEXT NOT NULL,
                salt BYTEA NOT NULL,
                iterations INTEGER NOT NULL,
                stored_key BYTEA NOT NULL,
                server_key BYTEA NOT NULL
            );
            CREATE TABLE totp_credentials (
                device_id TEXT COLLATE "C" PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
                sealed_secret BYTEA NOT NULL,
                algorithm TEXT NOT NULL,
                digits INTEGER NOT NULL,
                period INTEGER NOT NULL,
                t0 BIGINT NOT NULL,
                last_step BIGINT
            );
            CREATE TABLE acl_rules (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                device_id TEXT COLLATE "C" REFERENCES devices(id) ON DELETE CASCADE,
                group_name TEXT COLLATE "C",
                effect TEXT NOT NULL,
                access INTEGER NOT NULL,
                pattern TEXT NOT NULL,
                CHECK ((device_id IS NULL) <> (group_name IS NULL))
            );
            CREATE INDEX acl_rules_by_device ON acl_rules(device_id);
            CREATE INDEX acl_rules_by_group ON acl_rules(group_name);
            CREATE TABLE certificates (
                serial TEXT COLLATE "C" PRIMARY KEY,
                device_id TEXT COLLATE "C" NOT NULL,
                fingerprint TEXT NOT NULL UNIQUE,
                not_before BIGINT NOT NULL,
                not_after BIGINT NOT NULL,
                revoked_at BIGINT,
                revocation_reason TEXT
            );
            CREATE INDEX certificates_by_device ON certificates(device_id);
            CREATE TABLE lockout_counters (
                device_id TEXT COLLATE "C" PRIMARY KEY,
                failures BIGINT NOT NULL,
                last_failure BIGINT
            );
            CREATE TABLE audit_log (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time BIGINT NOT NULL,
                identity TEXT,
                client_id TEXT,
                address TEXT,
                method TEXT NOT NULL,
                result TEXT NOT NULL,
                reason TEXT,
                broker_id TEXT
            );
            """),
        // v2: the CRL lists revoked certificates of every device, removed ones included; a
        // partial index keeps that read proportional to the revocations, not to the fleet.
        Migration(identifier: "v2", sql: """
            CREATE INDEX certificates_revoked ON certificates(serial) WHERE revoked_at IS NOT NULL
            """),
        // v3: the change log — every mutation, in the transaction that made it (docs/service.md);
        // the master key's check value, so a wrong key is refused at open.
        Migration(identifier: "v3", sql: """
            CREATE TABLE changes (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time BIGINT NOT NULL,
                kind TEXT NOT NULL,
                device_id TEXT COLLATE "C",
                detail TEXT,
                actor TEXT NOT NULL
            );
            CREATE TABLE store_key (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                check_value BYTEA NOT NULL
            )
            """),
        // v4: failures are counted per (device, source address), so an attacker's failures lock
        // out the attacker's address, not the device; `lockout_counters` keeps the device's total
        // over every source since the last unlock (what bounds many addresses together).
        Migration(identifier: "v4", sql: """
            CREATE TABLE lockout_sources (
                device_id TEXT COLLATE "C" NOT NULL,
                source TEXT COLLATE "C" NOT NULL,
                failures BIGINT NOT NULL,
                last_failure BIGINT,
                PRIMARY KEY (device_id, source)
            )
            """),
        // v5: password hashes imported from mosquitto's password file, dynamic-security or
        // mosquitto-go-auth (`castellan import`), kept as written until the device's first
        // successful login replaces them with SCRAM keys (docs/migration.md).
        Migration(identifier: "v5", sql: """
            CREATE TABLE legacy_credentials (
                device_id TEXT COLLATE "C" PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
                hash TEXT NOT NULL
            )
            """),
        // v6: one-time enrolment tokens for EST (docs/provisioning.md), at most one per device,
        // kept as a salted HMAC of the token; removing the device removes its token.
        Migration(identifier: "v6", sql: """
            CREATE TABLE enrolment_tokens (
                device_id TEXT COLLATE "C" PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
                salt BYTEA NOT NULL,
                digest BYTEA NOT NULL,
                created BIGINT NOT NULL,
                expires BIGINT NOT NULL
            )
            """),
        // v7: a device's bound client id (`device client-id`, dynamic-security's `clientid`):
        // NULL follows the global client_id_binding. Unique, so no two devices can take over
        // each other's sessions with it (NULLs are distinct in a unique index).
        Migration(identifier: "v7", sql: """
            ALTER TABLE devices ADD COLUMN client_id TEXT COLLATE "C";
            CREATE UNIQUE INDEX devices_by_client_id ON devices(client_id) WHERE client_id IS NOT NULL
            """),
    ]
}
