import Crypto
import Foundation
import SwiftASN1
import X509

/// One revoked certificate, as a CRL lists it.
public struct RevokedCertificate: Sendable, Hashable {
    /// RFC 5280 §5.3.1 reason codes (the subset an operator gives with `--reason`).
    public enum Reason: String, Sendable, CaseIterable {
        case unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation
        var code: UInt8 {
            switch self {
            case .unspecified: 0
            case .keyCompromise: 1
            case .affiliationChanged: 3
            case .superseded: 4
            case .cessationOfOperation: 5
            }
        }
    }

    public let serial: [UInt8]
    public let revokedAt: Date
    public let reason: Reason

    public init(serial: [UInt8], revokedAt: Date, reason: Reason = .unspecified) {
        self.serial = serial
        self.revokedAt = revokedAt
        self.reason = reason
    }
}

/// RFC 5280 §5 CRLs, which swift-certificates 1.21 has no type for: encoded with swift-asn1
/// and signed with the CA key, for mosquitto's `crlfile` (defence in depth — the service
/// checks revocation itself at every connect).
extension CertificateAuthority {
    /// A v2 CRL listing `revoked`, valid from `now` until `nextUpdate`, as PEM (`X509 CRL`).
    public func revocationList(
        _ revoked: [RevokedCertificate], number: Int, now: Date = Date(), nextUpdate: TimeInterval = 7 * 86400
    ) throws(CAError) -> String {
        do {
            var tbs = DER.Serializer()
            try tbs.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(1)  // v2
                try Self.serializeAlgorithm(signatureAlgorithm, into: &coder)
                try coder.serialize(certificate.subject)
                try Self.serializeTime(now, into: &coder)
                try Self.serializeTime(now.addingTimeInterval(nextUpdate), into: &coder)
                if !revoked.isEmpty {
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        for entry in revoked {
                            try coder.appendConstructedNode(identifier: .sequence) { coder in
                                try coder.serialize(ArraySlice(entry.serial) as ArraySlice<UInt8>)
                                try Self.serializeTime(entry.revokedAt, into: &coder)
                                try coder.appendConstructedNode(identifier: .sequence) { coder in
                                    // reasonCode: ENUMERATED inside the extension's OCTET STRING.
                                    try Self.serializeExtension(oid: [2, 5, 29, 21], value: [0x0A, 0x01, entry.reason.code], into: &coder)
                                }
                            }
                        }
                    }
                }
                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        var crlNumber = DER.Serializer()
                        try crlNumber.serialize(number)
                        try Self.serializeExtension(oid: [2, 5, 29, 20], value: crlNumber.serializedBytes, into: &coder)
                        if let keyIdentifier = authorityKeyIdentifier.map(Array.init), keyIdentifier.count < 64 {
                            // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
                            let inner: [UInt8] = [0x80, UInt8(keyIdentifier.count)] + keyIdentifier
                            try Self.serializeExtension(oid: [2, 5, 29, 35], value: [0x30, UInt8(inner.count)] + inner, into: &coder)
                        }
                    }
                }
            }
            let tbsBytes = tbs.serializedBytes
            let signature = try privateKey.sign(bytes: tbsBytes, signatureAlgorithm: signatureAlgorithm)
            var list = DER.Serializer()
            try list.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(tbsBytes)
                try Self.serializeAlgorithm(signatureAlgorithm, into: &coder)
                try coder.serialize(ASN1BitString(bytes: ArraySlice(signature.rawRepresentation)))
            }
            return PEMDocument(type: "X509 CRL", derBytes: list.serializedBytes).pemString + "\n"
        } catch let error as CAError {
            throw error
        } catch {
            throw .invalid("cannot build the CRL: \(error)")
        }
    }

    static func serializeAlgorithm(_ algorithm: Certificate.SignatureAlgorithm, into coder: inout DER.Serializer) throws {
        let oid: ASN1ObjectIdentifier = algorithm == .ecdsaWithSHA384 ? [1, 2, 840, 10045, 4, 3, 3] : [1, 2, 840, 10045, 4, 3, 2]
        try coder.appendConstructedNode(identifier: .sequence) { coder in try coder.serialize(oid) }
    }

    /// RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050.
    static func serializeTime(_ date: Date, into coder: inout DER.Serializer) throws {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        let (year, month, day) = (parts.year!, parts.month!, parts.day!)
        let (hour, minute, second) = (parts.hour!, parts.minute!, parts.second!)
        if year < 2050 {
            try coder.serialize(try UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second))
        } else {
            try coder.serialize(try GeneralizedTime(year: year, month: month, day: day, hours: hour, minutes: minute,
                                                    seconds: second, fractionalSeconds: 0))
        }
    }

    static func serializeExtension(oid: ASN1ObjectIdentifier, value: [UInt8], into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(oid)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(value)))
        }
    }
}
