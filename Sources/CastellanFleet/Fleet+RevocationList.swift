import CastellanCA
import CastellanStore
import Foundation

extension Fleet {
    /// The CA-signed CRL (PEM) for mosquitto's `crlfile`, and how many certificates it lists.
    ///
    /// Lists every revocation, also of devices removed since: their certificates stay revoked.
    /// Its number is the current Unix time, so each new CRL supersedes the last.
    /// ``FleetError/Kind/unavailable`` if the CA cannot be loaded.
    public func revocationList() async throws -> (pem: String, count: Int) {
        var revoked: [RevokedCertificate] = []
        for record in try await store.revokedCertificates() {
            guard let at = record.revokedAt, let serial = Self.bytes(hex: record.serial) else { continue }
            revoked.append(RevokedCertificate(
                serial: serial, revokedAt: Date(timeIntervalSince1970: TimeInterval(at)),
                reason: record.revocationReason.flatMap(RevokedCertificate.Reason.init(rawValue:)) ?? .unspecified))
        }
        let issuedAt = now()
        let ca: CertificateAuthority
        do { ca = try CertificateAuthority.load(from: caDirectory) } catch { throw FleetError.unavailable(error.description) }
        let pem = try ca.revocationList(revoked, number: Int(issuedAt), now: Date(timeIntervalSince1970: TimeInterval(issuedAt)))
        return (pem, revoked.count)
    }

    /// Lower-case hex (as the store keeps serials) as bytes; `nil` if it is not hex.
    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
