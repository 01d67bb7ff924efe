import SwiftASN1
import X509

/// A "certs-only" PKCS#7 message: a CMS `ContentInfo` holding a `SignedData` with certificates
/// and no signers (RFC 5652 §5; RFC 7030 §4.1.3 and §4.2.3 answer with it) — what
/// `openssl pkcs7 -print_certs` reads.
///
/// swift-certificates has CMS `SignedData`, but only internally (for signatures); a certs-only
/// message is three nested sequences, built here with swift-asn1.
public enum CertsOnlyPKCS7 {
    /// `id-signedData` (1.2.840.113549.1.7.2).
    static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 2]
    /// `id-data` (1.2.840.113549.1.7.1): the type of the (absent) content.
    static let data: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 1]

    /// The DER message carrying `certificates`.
    public static func encode(_ certificates: [Certificate]) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { contentInfo in
            try contentInfo.serialize(signedData)
            try contentInfo.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { explicit in
                try explicit.appendConstructedNode(identifier: .sequence) { signed in
                    try signed.serialize(Int(1))  // CMSVersion 1: no attribute certificates, content type id-data
                    signed.appendConstructedNode(identifier: .set) { _ in }  // digestAlgorithms: none
                    try signed.appendConstructedNode(identifier: .sequence) { encapsulated in
                        try encapsulated.serialize(data)  // eContentType, no eContent
                    }
                    try signed.serializeSetOf(certificates, identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific))
                    signed.appendConstructedNode(identifier: .set) { _ in }  // signerInfos: none
                }
            }
        }
        return serializer.serializedBytes
    }

    /// The certificates of a certs-only message; throws if `der` is not a CMS `SignedData`.
    public static func decode(_ der: [UInt8]) throws -> [Certificate] {
        let root = try DER.parse(der)
        guard case .constructed(let top) = root.content else { throw ASN1Error.invalidASN1Object(reason: "ContentInfo is not a sequence") }
        var parts = top.makeIterator()
        guard let type = parts.next(), try ASN1ObjectIdentifier(derEncoded: type) == signedData,
              let explicit = parts.next(), case .constructed(let wrapped) = explicit.content,
              let signed = wrapped.first(where: { _ in true }), case .constructed(let fields) = signed.content
        else {
            throw ASN1Error.invalidASN1Object(reason: "not a CMS SignedData")
        }
        let certificatesTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        guard let set = fields.first(where: { $0.identifier == certificatesTag }), case .constructed(let members) = set.content else {
            return []
        }
        return try members.map { try Certificate(derEncoded: $0) }
    }
}
