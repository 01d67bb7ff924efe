import Crypto
import SwiftASN1
import X509

/// The channel-binding data of one TLS connection, for the `-PLUS` mechanisms.
///
/// Castellan supports only `tls-server-end-point` (RFC 5929 §4): a hash of the server's own
/// certificate, which the service knows from its configuration (the broker terminates TLS,
/// so `tls-unique`/`tls-exporter` secrets never reach the service).
public struct SCRAMChannelBinding: Sendable, Hashable {
    /// The only channel-binding type accepted.
    public static let tlsServerEndPointType = "tls-server-end-point"

    /// The channel-binding type name, as in the gs2 header `p=<type>`.
    public let type: String
    /// The binding data appended to the gs2 header inside `c=`.
    public let data: [UInt8]

    /// `tls-server-end-point` data from an already computed certificate hash.
    public static func tlsServerEndPoint(certificateHash: [UInt8]) -> SCRAMChannelBinding {
        SCRAMChannelBinding(type: tlsServerEndPointType, data: certificateHash)
    }

    /// `tls-server-end-point` data for a DER certificate, hashed as RFC 5929 §4.1 says: with
    /// the hash of its signature algorithm, SHA-256 for MD5/SHA-1, and SHA-256 for Ed25519
    /// (which names no hash; the choice most TLS stacks make).
    public static func tlsServerEndPoint(certificateDER: [UInt8]) throws -> SCRAMChannelBinding {
        let certificate = try Certificate(derEncoded: certificateDER)
        let hash: [UInt8] = switch certificate.signatureAlgorithm {
        case .ecdsaWithSHA384, .sha384WithRSAEncryption: Array(SHA384.hash(data: certificateDER))
        case .ecdsaWithSHA512, .sha512WithRSAEncryption: Array(SHA512.hash(data: certificateDER))
        default: Array(SHA256.hash(data: certificateDER))
        }
        return .tlsServerEndPoint(certificateHash: hash)
    }

    /// `tls-server-end-point` data for the first certificate of a PEM file's text — the
    /// server's own, as mosquitto's `certfile` holds it (a chain, if any, follows it).
    ///
    /// - Throws: when the text holds no `CERTIFICATE` block or the block is no certificate.
    public static func tlsServerEndPoint(certificatePEM: String) throws -> SCRAMChannelBinding {
        guard let leaf = try PEMDocument.parseMultiple(pemString: certificatePEM).first(where: { $0.discriminator == "CERTIFICATE" }) else {
            throw SCRAMError.channelBindingNotSupported("no CERTIFICATE block in the PEM text")
        }
        return try tlsServerEndPoint(certificateDER: leaf.derBytes)
    }
}
