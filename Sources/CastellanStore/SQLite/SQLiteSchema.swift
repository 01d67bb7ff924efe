import GRDB

/// The SQLite schema, as a list of versioned migrations.
///
/// Migrations are append-only: a released one is never edited, a change is a new one. Opening
/// a database that holds a migration this list does not know (written by a newer Castellan) is
/// refused before anything is written, so an old build cannot corrupt a newer schema.
enum SQLiteSchema {
    /// The identifiers of every migration this build knows, oldest first.
    static let versions = ["v1", "v2", "v3", "v4", "v5", "v6", "v7"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE devices (
                    id TEXT PRIMARY KEY NOT NULL,
                    enabled INTEGER NOT NULL,
                    policy TEXT NOT NULL,
                    created INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE device_groups (
                    device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                    group_name TEXT NOT NULL,
                    PRIMARY KEY (device_id, group_name)
                ) WITHOUT ROWID;
                CREATE INDEX device_groups_by_group ON device_groups(group_name);
                CREATE TABLE scram_credentials (
                    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                    mechanism TEXT NOT NULL,
                    salt BLOB NOT NULL,
                    iterations INTEGER NOT NULL,
                    stored_key BLOB NOT NULL,
                    server_key BLOB NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE totp_credentials (
                    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                    sealed_secret BLOB NOT NULL,
                    algorithm TEXT NOT NULL,
                    digits INTEGER NOT NULL,
                    period INTEGER NOT NULL,
                    t0 INTEGER NOT NULL,
                    last_step INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE acl_rules (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    device_id TEXT REFERENCES devices(id) ON DELETE CASCADE,
                    group_name TEXT,
                    effect TEXT NOT NULL,
                    access INTEGER NOT NULL,
                    pattern TEXT NOT NULL,
                    CHECK ((device_id IS NULL) <> (group_name IS NULL))
                );
                CREATE INDEX acl_rules_by_device ON acl_rules(device_id);
                CREATE INDEX acl_rules_by_group ON acl_rules(group_name);
                CREATE TABLE certificates (
                    serial TEXT PRIMARY KEY NOT NULL,
                    device_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL UNIQUE,
                    not_before INTEGER NOT NULL,
                    not_after INTEGER NOT NULL,
                    revoked_at INTEGER,
                    revocation_reason TEXT
                ) WITHOUT ROWID;
                CREATE INDEX certificates_by_device ON certificates(device_id);
                CREATE TABLE lockout_counters (
                    device_id TEXT PRIMARY KEY NOT NULL,
                    failures INTEGER NOT NULL,
                    last_failure INTEGER
                ) WITHOUT ROWID;
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time INTEGER NOT NULL,
                    identity TEXT,
                    client_id TEXT,
                    address TEXT,
                    method TEXT NOT NULL,
                    result TEXT NOT NULL,
                    reason TEXT,
                    broker_id TEXT
                );
                """)
        }
        // v2: the CRL lists revoked certificates of every device, removed ones included; a
        // partial index keeps that read proportional to the revocations, not to the fleet.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "CREATE INDEX certificates_revoked ON certificates(serial) WHERE revoked_at IS NOT NULL")
        }
        // v3: the change log — every mutation, in the transaction that made it (docs/service.md);
        // the master key's check value, so a wrong key is refused at open.
        migrator.registerMigration("v3") { db in
            try db.execute(sql: """
                CREATE TABLE changes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    device_id TEXT,
                    detail TEXT,
                    actor TEXT NOT NULL
                );
                CREATE TABLE store_key (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    check_value BLOB NOT NULL
                );
                """)
        }
        // v4: failures are counted per (device, source address), so an attacker's failures lock
        // out the attacker's address, not the device; `lockout_counters` keeps the device's total
        // over every source since the last unlock (what bounds many addresses together).
        migrator.registerMigration("v4") { db in
            try db.execute(sql: """
                CREATE TABLE lockout_sources (
                    device_id TEXT NOT NULL,
                    source TEXT NOT NULL,
                    failures INTEGER NOT NULL,
                    last_failure INTEGER,
                    PRIMARY KEY (device_id, source)
                ) WITHOUT ROWID
                """)
        }
        // v5: password hashes imported from mosquitto's password file, dynamic-security or
        // mosquitto-go-auth (`castellan import`), kept as written until the device's first
        // successful login replaces them with SCRAM keys (docs/migration.md).
        migrator.registerMigration("v5") { db in
            try db.execute(sql: """
                CREATE TABLE legacy_credentials (
                    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                    hash TEXT NOT NULL
                ) WITHOUT ROWID
                """)
        }
        // v6: one-time enrolment tokens for EST (docs/provisioning.md), at most one per device,
        // kept as a salted HMAC of the token; removing the device removes its token.
        migrator.registerMigration("v6") { db in
            try db.execute(sql: """
                CREATE TABLE enrolment_tokens (
                    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                    salt BLOB NOT NULL,
                    digest BLOB NOT NULL,
                    created INTEGER NOT NULL,
                    expires INTEGER NOT NULL
                ) WITHOUT ROWID
                """)
        }
        // v7: a device's bound client id (`device client-id`, dynamic-security's `clientid`):
        // NULL follows the global client_id_binding. Unique, so no two devices can take over
        // each other's sessions with it; SQLite's unique index lets many rows be NULL.
        migrator.registerMigration("v7") { db in
            try db.execute(sql: """
                ALTER TABLE devices ADD COLUMN client_id TEXT;
                CREATE UNIQUE INDEX devices_by_client_id ON devices(client_id) WHERE client_id IS NOT NULL;
                """)
        }
        return migrator
    }
}
