import CastellanAuth
import GRDB

extension SQLiteStore {
    /// Records an issued certificate; the device must exist and serial and fingerprint be new.
    public func addCertificate(_ certificate: CertificateRecord) async throws {
        try await write { db in
            try self.requireDevice(db, certificate.device)
            let taken = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM certificates WHERE serial = ? OR fingerprint = ?",
                arguments: [certificate.serial, certificate.fingerprint.description]) ?? false
            guard !taken else { throw StoreError.certificateExists(certificate.serial) }
            try db.execute(
                sql: """
                    INSERT INTO certificates (serial, device_id, fingerprint, not_before, not_after, revoked_at, revocation_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    certificate.serial, certificate.device.rawValue, certificate.fingerprint.description,
                    certificate.notBefore, certificate.notAfter, certificate.revokedAt, certificate.revocationReason,
                ])
            return ((), [.certificateIssued(serial: certificate.serial, device: certificate.device)])
        }
    }

    /// The certificate with this serial, or `nil`.
    public func certificate(serial: String) async throws -> CertificateRecord? {
        // On every certificate connect (the revocation check): read here, not on a reader queue.
        // A cached statement: compiling the query was a third of a certificate connect's CPU.
        try readOnCallingThread { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(Self.certificateColumns) FROM certificates WHERE serial = ?"),
                arguments: [serial.lowercased()]
            ).map(Self.certificateRecord)
        }
    }

    /// The device's certificates, by serial.
    public func certificates(device id: DeviceID) async throws -> [CertificateRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.certificateColumns) FROM certificates WHERE device_id = ? ORDER BY serial", arguments: [id.rawValue])
                .map(Self.certificateRecord)
        }
    }

    /// Every revoked certificate, removed devices' included, by serial.
    public func revokedCertificates() async throws -> [CertificateRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.certificateColumns) FROM certificates WHERE revoked_at IS NOT NULL ORDER BY serial")
                .map(Self.certificateRecord)
        }
    }

    /// Revokes a certificate; a repeated revocation keeps the first time and reason and emits nothing.
    public func revokeCertificate(serial: String, at unixTime: Int64, reason: String) async throws {
        let serial = serial.lowercased()
        try await write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.certificateColumns) FROM certificates WHERE serial = ?", arguments: [serial]) else {
                throw StoreError.unknownCertificate(serial)
            }
            let record = try Self.certificateRecord(row)
            guard !record.isRevoked else { return ((), []) }
            try db.execute(
                sql: "UPDATE certificates SET revoked_at = ?, revocation_reason = ? WHERE serial = ?",
                arguments: [unixTime, reason, serial])
            return ((), [.certificateRevoked(serial: serial, device: record.device)])
        }
    }

    /// What ``certificateRecord(_:)`` reads, by index.
    static let certificateColumns = "serial, device_id, fingerprint, not_before, not_after, revoked_at, revocation_reason"

    static func certificateRecord(_ row: Row) throws -> CertificateRecord {
        let serial: String = row[0]
        guard let fingerprint = CertificateFingerprint(hex: row[2]), let device = try? DeviceID(row[1]) else {
            throw StoreError.corruptRecord("certificate \(serial)")
        }
        return CertificateRecord(
            serial: serial, device: device, fingerprint: fingerprint, notBefore: row[3], notAfter: row[4], revokedAt: row[5],
            revocationReason: row[6])
    }
}
