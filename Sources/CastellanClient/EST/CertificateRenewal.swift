import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import X509

/// Renewal of a device's certificate over EST before it ends: what ``MQTTClient`` does before
/// connecting when its configuration has a ``MQTTClientConfiguration/renewal``, and what
/// `castellan client renew` does.
///
/// The certificate and key stay where they are until their successors are complete: the new key
/// and certificate are each written to a temporary file beside the old one and renamed over it
/// (the key 0600), so a crash or a refused renewal leaves the working pair, never half a file.
public struct CertificateRenewal: Sendable, Hashable {
    /// The EST server, `https://HOST:PORT`.
    public var url: String
    /// The CA file that the EST server's certificate must chain to.
    public var caFile: String
    /// The fraction of its lifetime after which a certificate is renewed (default two thirds:
    /// ten days before the end of a 30-day certificate).
    public var threshold: Double

    public init(url: String, caFile: String, threshold: Double = 2.0 / 3.0) {
        self.url = url
        self.caFile = caFile
        self.threshold = threshold
    }

    /// Whether `certificate` has passed `threshold` of its lifetime at `now`.
    public static func isDue(_ certificate: Certificate, threshold: Double, at now: Date) -> Bool {
        let lifetime = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore)
        guard lifetime > 0 else { return true }
        return now.timeIntervalSince(certificate.notValidBefore) >= lifetime * threshold
    }

    /// Renews the certificate in `certificateFile` (with its key in `keyFile`) if it is due at
    /// `now`; the new certificate, or `nil` when none was due.
    public func renewIfDue(certificateFile: String, keyFile: String, now: Date = Date()) async throws(ESTClientError) -> Certificate? {
        let current = try Self.readCertificate(certificateFile)
        guard Self.isDue(current, threshold: threshold, at: now) else { return nil }
        return try await renew(certificateFile: certificateFile, keyFile: keyFile)
    }

    /// Renews now: a new P-256 key, a CSR with the current certificate's subject, `simplereenroll`
    /// authenticated by the current pair; then the new key and certificate replace the old ones.
    public func renew(certificateFile: String, keyFile: String) async throws(ESTClientError) -> Certificate {
        let current = try Self.readCertificate(certificateFile)
        let client = try ESTClient(url: url, tls: MQTTTLSConfiguration(caFile: caFile, certificateFile: certificateFile,
                                                                       privateKeyFile: keyFile))
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let issued = try await client.reenrol(csr: try Self.csr(subject: current.subject, key: key))
        guard issued.publicKey == key.publicKey else { throw ESTClientError("the server answered a certificate for another key") }
        try Self.install(key: key, certificate: issued, certificateFile: certificateFile, keyFile: keyFile)
        return issued
    }

    /// A CSR for `subject` signed with `key`.
    public static func csr(subject: DistinguishedName, key: Certificate.PrivateKey) throws(ESTClientError) -> CertificateSigningRequest {
        do {
            return try CertificateSigningRequest(version: .v1, subject: subject, privateKey: key, attributes: .init())
        } catch {
            throw ESTClientError("cannot make the CSR: \(error)")
        }
    }

    /// Writes the key (0600), then the certificate, each atomically over its old file.
    public static func install(key: Certificate.PrivateKey, certificate: Certificate, certificateFile: String, keyFile: String)
        throws(ESTClientError)
    {
        do {
            try AtomicFile.write(keyFile, Array(try key.serializeAsPEM().pemString.utf8) + [0x0A], mode: 0o600)
            try AtomicFile.write(certificateFile, Array(try certificate.serializeAsPEM().pemString.utf8) + [0x0A], mode: 0o644)
        } catch let error as ESTClientError {
            throw error
        } catch {
            throw ESTClientError("cannot write the new certificate or key: \(error)")
        }
    }

    static func readCertificate(_ file: String) throws(ESTClientError) -> Certificate {
        guard let pem = try? String(contentsOfFile: file, encoding: .utf8), let certificate = try? Certificate(pemEncoded: pem) else {
            throw ESTClientError("cannot read a PEM certificate from \(file)")
        }
        return certificate
    }
}

/// Replaces a file whole: the bytes go to a new temporary file beside it, are synced, and the
/// temporary file is renamed over the old one — readers see the old file or the new, never a part.
enum AtomicFile {
    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(ESTClientError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw ESTClientError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                close(descriptor)
                unlink(temporary)
                throw ESTClientError("cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            written += count
        }
        // The mode is set again: open(2) applies the umask, and a key must not stay more open than asked.
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else {
            close(descriptor)
            unlink(temporary)
            throw ESTClientError("cannot finish \(temporary): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ESTClientError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}
