import SwiftASN1

/// Strictness for the parts of a certificate its signature does not cover.
///
/// The signature protects only the TBSCertificate bytes. The outer signatureAlgorithm and the
/// signature BIT STRING's header are outside it, so a tolerant parser lets one signed
/// certificate appear under several DER encodings, each with its own SHA-256 fingerprint —
/// a way past a revocation list keyed by fingerprint. Found by the fuzz test: swift-certificates
/// 1.21 accepts a signature BIT STRING declaring one unused bit (when the last bit is zero).
/// The algorithm comparison is defence in depth (1.21 already refuses the variants we tried).
/// OpenSSL refuses both too (`X509_R_INVALID_BIT_STRING_BITS_LEFT`,
/// `X509_R_SIGNATURE_ALGORITHM_MISMATCH`), so nothing legitimate is lost.
enum CertificateEnvelope {
    /// `true` when the outer signatureAlgorithm is byte-identical to the TBSCertificate's
    /// `signature` field (RFC 5280 §4.1.1.2) and the signature BIT STRING has no unused bits.
    static func isStrict(_ der: [UInt8]) -> Bool {
        do {
            let root = try DER.parse(der)
            return try DER.sequence(root, identifier: .sequence) { nodes in
                guard let tbs = nodes.next(), let outerAlgorithm = nodes.next(), let signature = nodes.next() else {
                    return false
                }
                while nodes.next() != nil {}
                guard let innerAlgorithm = try signatureField(of: tbs) else { return false }
                guard innerAlgorithm.encodedBytes.elementsEqual(outerAlgorithm.encodedBytes) else { return false }
                return try ASN1BitString(derEncoded: signature).paddingBits == 0
            }
        } catch {
            return false
        }
    }

    /// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, … }
    private static func signatureField(of tbs: ASN1Node) throws -> ASN1Node? {
        try DER.sequence(tbs, identifier: .sequence) { nodes in
            var next = nodes.next()
            if next?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                next = nodes.next()
            }
            // `next` is the serial number; the field after it is the signature algorithm.
            let algorithm = nodes.next()
            while nodes.next() != nil {}
            return next == nil ? nil : algorithm
        }
    }
}
