import CastellanAuth
import CastellanCA
import CastellanStore
import Foundation
import X509

extension Fleet {
    /// Where the certificate's key comes from.
    public enum KeySource: Sendable {
        /// The CA generates a key of the device profile's type and hands it back once.
        case generate
        /// The device's certificate signing request, as PEM text (`nil`: it could not be read);
        /// `name` says where it came from in the refusal (a file name, a JSON field).
        case csr(pem: String?, name: String)
    }

    /// Issues a device certificate and records it in the store.
    ///
    /// Refused, before anything is signed: an unknown device (``FleetError/Kind/notFound``), a
    /// CSR that does not parse or that ``CSRPolicy`` refuses, a validity outside 1...3650 days
    /// (``FleetError/Kind/invalid``); a CA that cannot be loaded is ``FleetError/Kind/unavailable``.
    /// `beforeRecording` runs after signing and before the store changes: if it throws, the
    /// certificate is never recorded (the CLI refuses there to overwrite files).
    ///
    /// - Parameter validityDays: `nil` takes the device profile's (profiles.yaml).
    public func issueCertificate(
        for device: DeviceID, key: KeySource, validityDays: Int?,
        beforeRecording: (IssuedCertificate) throws -> Void = { _ in }
    ) async throws -> CertificateIssue {
        guard try await store.device(device) != nil else { throw FleetError.notFound("no device \(device)") }
        let request: CertificateSigningRequest?
        switch key {
        case .generate:
            request = nil
        case .csr(let pem, let name):
            guard let pem, let parsed = try? CertificateSigningRequest(pemEncoded: pem) else {
                throw FleetError.invalid("\(name) is not a PEM certificate signing request")
            }
            request = parsed
        }
        let ca: CertificateAuthority
        let profile: CertificateProfiles.Profile
        do {
            ca = try CertificateAuthority.load(from: caDirectory)
            profile = try CertificateProfiles.load(from: caDirectory).device
        } catch {
            throw FleetError.unavailable(error.description)
        }
        let days = validityDays ?? profile.validityDays
        guard Self.validityRange.contains(days) else {
            throw FleetError.invalid("validity must be \(Self.validityRange.lowerBound) to \(Self.validityRange.upperBound) days")
        }
        let date = Date(timeIntervalSince1970: TimeInterval(now()))
        let issued: IssuedCertificate
        do {
            if let request {
                issued = try ca.issueDevice(device, csr: request, validityDays: days, now: date, entropy: entropy)
            } else {
                issued = try ca.issueDevice(device, keyType: profile.keyType, validityDays: days, now: date, entropy: entropy)
            }
        } catch {
            throw FleetError.invalid(error.description)
        }
        try beforeRecording(issued)
        guard let record = Self.record(of: issued, device: device) else {
            throw FleetError.invalid("cannot fingerprint the certificate")
        }
        // Recorded before it is handed out: a certificate the store does not know is refused at connect.
        try await store.addCertificate(record)
        return try CertificateIssue(issued: issued, record: record)
    }

    /// The store's record of a certificate the CA just issued for `device`; `nil` if it cannot
    /// be fingerprinted (it could not be DER-encoded).
    public static func record(of issued: IssuedCertificate, device: DeviceID) -> CertificateRecord? {
        guard let fingerprint = CertificateFingerprint(hex: issued.fingerprint) else { return nil }
        return CertificateRecord(
            serial: issued.serial, device: device, fingerprint: fingerprint,
            notBefore: Int64(issued.certificate.notValidBefore.timeIntervalSince1970),
            notAfter: Int64(issued.certificate.notValidAfter.timeIntervalSince1970))
    }

    /// The validity a device certificate may have, in days (as the CA signs).
    public static let validityRange = 1...3650

    /// What to revoke.
    public enum RevocationTarget: Sendable, Hashable {
        /// One certificate by serial (hex, any case).
        case serial(String)
        /// Every still valid certificate of the device.
        case device(DeviceID)
    }

    /// An RFC 5280 reason name (`unspecified`, `keyCompromise`…); ``FleetError/Kind/usage`` naming
    /// `option` otherwise.
    public static func revocationReason(_ text: String, option: String) throws(FleetError) -> String {
        guard RevokedCertificate.Reason(rawValue: text) != nil else {
            throw .usage("\(option) must be one of \(RevokedCertificate.Reason.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return text
    }

    /// Revokes what `target` names, now, for `reason` (checked with ``revocationReason(_:option:)``),
    /// and returns the records as they are after. A certificate revoked already keeps its first
    /// revocation. ``FleetError/Kind/notFound`` for an unknown serial; ``FleetError/Kind/conflict``
    /// when the device has no valid certificate.
    public func revoke(_ target: RevocationTarget, reason: String) async throws -> [CertificateRecord] {
        let serials: [String]
        switch target {
        case .serial(let serial):
            guard try await store.certificate(serial: serial.lowercased()) != nil else {
                throw FleetError.notFound("no certificate \(serial)")
            }
            serials = [serial.lowercased()]
        case .device(let device):
            serials = try await store.certificates(device: device).filter { !$0.isRevoked }.map(\.serial)
            guard !serials.isEmpty else { throw FleetError.conflict("\(device) has no valid certificate") }
        }
        let at = now()
        var records: [CertificateRecord] = []
        for serial in serials {
            try await store.revokeCertificate(serial: serial, at: at, reason: reason)
            if let record = try await store.certificate(serial: serial) { records.append(record) }
        }
        return records
    }
}
