import CastellanAuth
import Crypto
import Foundation
import X509

/// Certificate microbenchmarks for `castellan bench auth`: identities/s from the verification
/// cache (target ≥ 1M/s, revocation hook included) and cold chain verifications/s.
///
/// `async` because verification is (the revocation hook and swift-certificates' verifier are).
enum CertificateBench {
    static func run() async throws -> [(name: String, value: Double, unit: String)] {
        let (root, leafDER) = try makePKI()
        let now = Date()
        let notRevoked = RevocationCheck { _, _ in false }
        let cached = DeviceCertificateVerifier(configuration: .init(trustRoots: [root]), revocation: notRevoked)
        let cold = DeviceCertificateVerifier(configuration: .init(trustRoots: [root], cacheCapacity: 0), revocation: notRevoked)
        guard try await cached.verify(derEncoded: leafDER, at: now).identity != nil else {
            throw BenchError(message: "the generated device certificate did not verify")
        }

        let cachedRate = try await perSecond(iterations: 1_000_000) {
            try await cached.verify(derEncoded: leafDER, at: now).identity != nil
        }
        let fingerprint = CertificateFingerprint(derEncoded: leafDER)
        let lookupRate = try await perSecond(iterations: 2_000_000) {
            cached.cache.lookup(fingerprint, at: now) != nil
        }
        let hashRate = try await perSecond(iterations: 1_000_000) {
            CertificateFingerprint(derEncoded: leafDER) == fingerprint
        }
        let coldRate = try await perSecond(iterations: 2_000) {
            try await cold.verify(derEncoded: leafDER, at: now).identity != nil
        }
        return [
            ("cert_identity_cached_per_s", cachedRate, "1/s"),
            ("cert_cache_lookup_per_s", lookupRate, "1/s"),
            ("cert_fingerprint_per_s", hashRate, "1/s"),
            ("cert_verify_cold_per_s", coldRate, "1/s"),
        ]
    }

    struct BenchError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// A throwaway device CA and one device certificate, generated in-process.
    private static func makePKI() throws -> (root: Certificate, leafDER: [UInt8]) {
        let caKey = P256.Signing.PrivateKey()
        let deviceKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Castellan Bench CA") }
        let now = Date()
        let root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey)
        )
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(deviceKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400,
            issuer: caName, subject: try DistinguishedName { CommonName("sensor-0042") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                SubjectAlternativeNames([.uniformResourceIdentifier("urn:castellan:device:sensor-0042")])
            },
            issuerPrivateKey: .init(caKey)
        )
        return (root, try leaf.serializeAsPEM().derBytes)
    }

    private static func perSecond(iterations: Int, _ body: () async throws -> Bool) async throws -> Double {
        var sink = 0
        for _ in 0..<max(1, iterations / 20) where try await body() { sink &+= 1 }
        let start = ContinuousClock.now
        for _ in 0..<iterations where try await body() { sink &+= 1 }
        let elapsed = ContinuousClock.now - start
        guard sink > 0 else { throw BenchError(message: "benchmark body never succeeded") }
        let (seconds, attoseconds) = elapsed.components
        return Double(iterations) / (Double(seconds) + Double(attoseconds) / 1e18)
    }
}
