import CastellanAuth
import PostgresNIO

extension PostgresStore {
    /// Records an issued certificate; the device must exist and serial and fingerprint be new
    /// (also against a concurrent writer: the unique constraints decide).
    public func addCertificate(_ certificate: CertificateRecord) async throws {
        try await write { connection in
            try await self.requireDevice(connection, certificate.device)
            let inserted = try await connection.query(
                """
                INSERT INTO certificates (serial, device_id, fingerprint, not_before, not_after, revoked_at, revocation_reason)
                VALUES (\(certificate.serial), \(certificate.device.rawValue), \(certificate.fingerprint.description),
                        \(certificate.notBefore), \(certificate.notAfter), \(certificate.revokedAt), \(certificate.revocationReason))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: self.logger
            ).collect()
            guard !inserted.isEmpty else { throw StoreError.certificateExists(certificate.serial) }
            return ((), [.certificateIssued(serial: certificate.serial, device: certificate.device)])
        }
    }

    /// The certificate with this serial, or `nil`.
    public func certificate(serial: String) async throws -> CertificateRecord? {
        try await read { connection in
            try await connection.query(
                "\(unescaped: Self.certificateColumns) WHERE serial = \(serial.lowercased())", logger: self.logger
            ).collect().first.map(Self.certificateRecord)
        }
    }

    /// The device's certificates, by serial.
    public func certificates(device id: DeviceID) async throws -> [CertificateRecord] {
        try await read { connection in
            try await connection.query(
                "\(unescaped: Self.certificateColumns) WHERE device_id = \(id.rawValue) ORDER BY serial", logger: self.logger
            ).collect().map(Self.certificateRecord)
        }
    }

    /// Every revoked certificate, removed devices' included, by serial.
    public func revokedCertificates() async throws -> [CertificateRecord] {
        try await read { connection in
            try await connection.query(
                "\(unescaped: Self.certificateColumns) WHERE revoked_at IS NOT NULL ORDER BY serial", logger: self.logger
            ).collect().map(Self.certificateRecord)
        }
    }

    /// Revokes a certificate; a repeated revocation keeps the first time and reason and emits nothing.
    public func revokeCertificate(serial: String, at unixTime: Int64, reason: String) async throws {
        let serial = serial.lowercased()
        try await write { connection in
            guard let row = try await connection.query(
                "\(unescaped: Self.certificateColumns) WHERE serial = \(serial) FOR UPDATE", logger: self.logger
            ).collect().first else {
                throw StoreError.unknownCertificate(serial)
            }
            let record = try Self.certificateRecord(row)
            guard !record.isRevoked else { return ((), []) }
            _ = try await connection.query(
                "UPDATE certificates SET revoked_at = \(unixTime), revocation_reason = \(reason) WHERE serial = \(serial)",
                logger: self.logger
            ).collect()
            return ((), [.certificateRevoked(serial: serial, device: record.device)])
        }
    }

    static let certificateColumns =
        "SELECT serial, device_id, fingerprint, not_before, not_after, revoked_at, revocation_reason FROM certificates"

    static func certificateRecord(_ row: PostgresRow) throws -> CertificateRecord {
        let columns: (String, String, String, Int64, Int64, Int64?, String?)
        do { columns = try row.decode((String, String, String, Int64, Int64, Int64?, String?).self) } catch {
            throw StoreError.corruptRecord("certificate: \(error)")
        }
        let (serial, rawDevice, rawFingerprint, notBefore, notAfter, revokedAt, reason) = columns
        guard let fingerprint = CertificateFingerprint(hex: rawFingerprint), let device = try? DeviceID(rawDevice) else {
            throw StoreError.corruptRecord("certificate \(serial)")
        }
        return CertificateRecord(
            serial: serial, device: device, fingerprint: fingerprint, notBefore: notBefore, notAfter: notAfter,
            revokedAt: revokedAt, revocationReason: reason)
    }
}
