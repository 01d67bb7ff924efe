import Foundation
import Synchronization
import Testing
import X509
@testable import CastellanAuth

/// A revocation list the tests flip, counting how often the verifier asks.
final class RevocationList: CertificateRevocationChecking {
    private let state = Mutex<(revoked: Set<CertificateFingerprint>, calls: Int)>(([], 0))

    func revoke(_ fingerprint: CertificateFingerprint) { state.withLock { _ = $0.revoked.insert(fingerprint) } }
    var calls: Int { state.withLock { $0.calls } }

    func isRevoked(serialNumber: Certificate.SerialNumber, fingerprint: CertificateFingerprint) async throws -> Bool {
        state.withLock { state in
            state.calls += 1
            return state.revoked.contains(fingerprint)
        }
    }
}

private func makeVerifier(
    roots: [Certificate], intermediates: [Certificate] = [],
    source: CertificateIdentitySource = .uriSAN, revocation: RevocationList = RevocationList()
) -> DeviceCertificateVerifier {
    DeviceCertificateVerifier(
        configuration: .init(trustRoots: roots, intermediates: intermediates, identitySource: source),
        revocation: revocation
    )
}

private func verify(
    _ certificate: Certificate, trusting root: TestPKI.Authority,
    source: CertificateIdentitySource = .uriSAN, at time: Date = TestPKI.now
) async throws -> CertificateDecision {
    try await makeVerifier(roots: [root.certificate], source: source).verify(derEncoded: TestPKI.der(certificate), at: time)
}

@Test func certificate_validDeviceCertificate_isVerifiedWithIdentityFingerprintAndNotAfter() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root)
    let der = try TestPKI.der(leaf)
    let decision = try await makeVerifier(roots: [root.certificate]).verify(derEncoded: der, at: TestPKI.now)
    let identity = try #require(decision.identity)
    #expect(identity.deviceID == (try DeviceID("dev1")))
    #expect(identity.fingerprint == CertificateFingerprint(derEncoded: der))
    #expect(identity.notValidAfter == leaf.notValidAfter)
    #expect(identity.serialNumber == leaf.serialNumber)
}

@Test func certificate_issuedByAnotherCA_isUntrusted() async throws {
    let root = try TestPKI.rootCA()
    let other = try TestPKI.rootCA(commonName: "Other CA", keySeed: "other")
    let decision = try await verify(try TestPKI.device(issuedBy: other), trusting: root)
    #expect(decision.denialCode == .untrusted)
}

@Test func certificate_fakeRootWithSameSubjectButAnotherKey_isUntrusted() async throws {
    let root = try TestPKI.rootCA()
    let fake = try TestPKI.rootCA(keySeed: "attacker")
    #expect(fake.certificate.subject == root.certificate.subject)
    let decision = try await verify(try TestPKI.device(issuedBy: fake), trusting: root)
    #expect(decision.denialCode == .untrusted)
}

@Test func certificate_expiredLeaf_isRefusedAsExpired() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, notBefore: TestPKI.now - 30 * TestPKI.day, notAfter: TestPKI.now - 1)
    #expect(try await verify(leaf, trusting: root).denialCode == .expired)
}

@Test func certificate_notYetValidLeaf_isRefusedAsNotYetValid() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, notBefore: TestPKI.now + 1, notAfter: TestPKI.now + 30 * TestPKI.day)
    #expect(try await verify(leaf, trusting: root).denialCode == .notYetValid)
}

@Test func certificate_validityBounds_areInclusive() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, notBefore: TestPKI.now - TestPKI.day, notAfter: TestPKI.now + TestPKI.day)
    #expect(try await verify(leaf, trusting: root, at: leaf.notValidBefore).identity != nil)
    #expect(try await verify(leaf, trusting: root, at: leaf.notValidAfter).identity != nil)
    #expect(try await verify(leaf, trusting: root, at: leaf.notValidAfter + 1).denialCode == .expired)
}

@Test func certificate_expiredCA_makesLeafUntrusted() async throws {
    let root = try TestPKI.rootCA(notBefore: TestPKI.now - 365 * TestPKI.day, notAfter: TestPKI.now - 1)
    let leaf = try TestPKI.device(issuedBy: root)
    #expect(try await verify(leaf, trusting: root).denialCode == .untrusted)
}

@Test func certificate_leafThatIsACA_isRefused() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, basicConstraints: .isCertificateAuthority(maxPathLength: 0))
    #expect(try await verify(leaf, trusting: root).denialCode == .isCA)
}

@Test func certificate_theCAItselfPresentedAsClient_isRefused() async throws {
    let root = try TestPKI.rootCA()
    #expect(try await verify(root.certificate, trusting: root).denialCode == .isCA)
}

@Test func certificate_withoutExtendedKeyUsage_isRefused() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, extendedKeyUsage: nil)
    #expect(try await verify(leaf, trusting: root).denialCode == .extendedKeyUsage)
}

@Test func certificate_extendedKeyUsageWithoutClientAuth_isRefused() async throws {
    let root = try TestPKI.rootCA()
    let serverOnly = try TestPKI.device(issuedBy: root, extendedKeyUsage: [.serverAuth])
    let anyUsage = try TestPKI.device(issuedBy: root, extendedKeyUsage: [.any])
    #expect(try await verify(serverOnly, trusting: root).denialCode == .extendedKeyUsage)
    #expect(try await verify(anyUsage, trusting: root).denialCode == .extendedKeyUsage)
}

@Test func certificate_withoutDigitalSignatureKeyUsage_isRefused() async throws {
    let root = try TestPKI.rootCA()
    let missing = try TestPKI.device(issuedBy: root, keyUsage: nil)
    let wrong = try TestPKI.device(issuedBy: root, keyUsage: KeyUsage(keyEncipherment: true))
    #expect(try await verify(missing, trusting: root).denialCode == .keyUsage)
    #expect(try await verify(wrong, trusting: root).denialCode == .keyUsage)
}

@Test func certificate_twoURISANs_isRefusedForIdentity() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: ["urn:castellan:device:dev1", "urn:castellan:device:dev2"])
    #expect(try await verify(leaf, trusting: root).denialCode == .identity)
}

@Test func certificate_foreignURISAN_isRefusedForIdentity_evenInCNMode() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: ["spiffe://example.org/dev1"])
    #expect(try await verify(leaf, trusting: root).denialCode == .identity)
    #expect(try await verify(leaf, trusting: root, source: .uriSANOrCommonName).denialCode == .identity)
}

@Test(arguments: ["dev+1", "dev#1", "dev/1", "dev\u{0}1", "dev\u{7}1", ""])
func certificate_identityWithForbiddenCharacter_isRefused(_ id: String) async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: ["urn:castellan:device:\(id)"])
    #expect(try await verify(leaf, trusting: root).denialCode == .identity)
}

@Test func certificate_noURISAN_inURIMode_isRefusedForIdentity() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: [], commonNames: ["dev7"])
    #expect(try await verify(leaf, trusting: root).denialCode == .identity)
}

@Test func certificate_cnMode_withoutURISAN_usesTheCommonName() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: [], commonNames: ["dev7"])
    let decision = try await verify(leaf, trusting: root, source: .uriSANOrCommonName)
    #expect(decision.identity?.deviceID.rawValue == "dev7")
}

@Test func certificate_cnMode_withURISAN_prefersTheURI() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: ["urn:castellan:device:dev1"], commonNames: ["other"])
    let decision = try await verify(leaf, trusting: root, source: .uriSANOrCommonName)
    #expect(decision.identity?.deviceID.rawValue == "dev1")
}

@Test func certificate_cnMode_twoCommonNames_isRefused() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: [], commonNames: ["dev7", "dev8"])
    #expect(try await verify(leaf, trusting: root, source: .uriSANOrCommonName).denialCode == .identity)
}

@Test func certificate_twoCommonNames_isRefusedEvenWithAURISAN() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, commonNames: ["dev1", "dev2"])
    #expect(try await verify(leaf, trusting: root).denialCode == .identity)
}

@Test(arguments: ["dev+7", "dev#7", "a/b"])
func certificate_cnMode_commonNameWithForbiddenCharacter_isRefused(_ cn: String) async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: [], commonNames: [cn])
    #expect(try await verify(leaf, trusting: root, source: .uriSANOrCommonName).denialCode == .identity)
}

@Test func certificate_cnMode_noCommonName_isRefused() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: [], commonNames: [])
    #expect(try await verify(leaf, trusting: root, source: .uriSANOrCommonName).denialCode == .identity)
}

@Test func certificate_throughConfiguredIntermediate_isVerified() async throws {
    let root = try TestPKI.rootCA()
    let sub = try TestPKI.intermediateCA(issuedBy: root)
    let leaf = try TestPKI.device(issuedBy: sub)
    let withIntermediate = makeVerifier(roots: [root.certificate], intermediates: [sub.certificate])
    let without = makeVerifier(roots: [root.certificate])
    #expect(try await withIntermediate.verify(derEncoded: TestPKI.der(leaf), at: TestPKI.now).identity != nil)
    #expect(try await without.verify(derEncoded: TestPKI.der(leaf), at: TestPKI.now).denialCode == .untrusted)
}

@Test func certificate_secondConfiguredRoot_isTrustedToo() async throws {
    let first = try TestPKI.rootCA()
    let second = try TestPKI.rootCA(commonName: "Second Device CA", keySeed: "second")
    let verifier = makeVerifier(roots: [first.certificate, second.certificate])
    let leaf = try TestPKI.device(issuedBy: second)
    #expect(try await verifier.verify(derEncoded: TestPKI.der(leaf), at: TestPKI.now).identity != nil)
}

@Test func certificate_revokedByHook_isRefused() async throws {
    let root = try TestPKI.rootCA()
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    let revocation = RevocationList()
    revocation.revoke(CertificateFingerprint(derEncoded: der))
    let verifier = makeVerifier(roots: [root.certificate], revocation: revocation)
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).denialCode == .revoked)
    #expect(verifier.cache.count == 0)
}

@Test func certificate_revokedAfterBeingCached_isRefusedOnTheCacheHit() async throws {
    let root = try TestPKI.rootCA()
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    let revocation = RevocationList()
    let verifier = makeVerifier(roots: [root.certificate], revocation: revocation)
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).identity != nil)
    #expect(verifier.cache.count == 1)
    revocation.revoke(CertificateFingerprint(derEncoded: der))
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).denialCode == .revoked)
    #expect(revocation.calls == 2)
    #expect(verifier.cache.count == 0)
}

@Test func certificate_reconnect_isServedFromTheCacheAndStillAsksRevocation() async throws {
    let root = try TestPKI.rootCA()
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    let revocation = RevocationList()
    let verifier = makeVerifier(roots: [root.certificate], revocation: revocation)
    let first = try await verifier.verify(derEncoded: der, at: TestPKI.now)
    let cached = verifier.cache.lookup(CertificateFingerprint(derEncoded: der), at: TestPKI.now)
    let second = try await verifier.verify(derEncoded: der, at: TestPKI.now + 60)
    #expect(cached == first.identity)
    #expect(second == first)
    #expect(revocation.calls == 2)
}

@Test func certificate_cachedEntry_expiresWithTheLeaf() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, notAfter: TestPKI.now + TestPKI.day)
    let der = try TestPKI.der(leaf)
    let verifier = makeVerifier(roots: [root.certificate])
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).identity != nil)
    #expect(try await verifier.verify(derEncoded: der, at: leaf.notValidAfter + 1).denialCode == .expired)
    #expect(verifier.cache.count == 0)
}

@Test func certificate_cachedEntry_expiresWithTheCA() async throws {
    let root = try TestPKI.rootCA(notAfter: TestPKI.now + 2 * TestPKI.day)
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    let verifier = makeVerifier(roots: [root.certificate])
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).identity != nil)
    let afterCA = TestPKI.now + 3 * TestPKI.day
    #expect(verifier.cache.lookup(CertificateFingerprint(derEncoded: der), at: afterCA) == nil)
    #expect(try await verifier.verify(derEncoded: der, at: afterCA).denialCode == .untrusted)
}

@Test func certificate_failures_areNeverCached() async throws {
    let root = try TestPKI.rootCA()
    let verifier = makeVerifier(roots: [root.certificate])
    let leaf = try TestPKI.device(issuedBy: root, extendedKeyUsage: nil)
    _ = try await verifier.verify(derEncoded: TestPKI.der(leaf), at: TestPKI.now)
    #expect(verifier.cache.count == 0)
}

@Test func certificate_revocationStoreFailure_isThrown() async throws {
    struct StoreDown: Error {}
    let root = try TestPKI.rootCA()
    let verifier = DeviceCertificateVerifier(
        configuration: .init(trustRoots: [root.certificate]),
        revocation: RevocationCheck { _, _ in throw StoreDown() }
    )
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    await #expect(throws: StoreDown.self) { try await verifier.verify(derEncoded: der, at: TestPKI.now) }
    #expect(verifier.cache.count == 0)
}

@Test func certificate_malformedDER_isRefusedAsMalformed() async throws {
    let root = try TestPKI.rootCA()
    let verifier = makeVerifier(roots: [root.certificate])
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    for input in [[], [0x30], [0x30, 0x82, 0xFF, 0xFF], Array(der.prefix(der.count / 2)), [UInt8](repeating: 0xFF, count: 64), der + [0x00]] {
        #expect(try await verifier.verify(derEncoded: input, at: TestPKI.now).denialCode == .malformed)
    }
}

@Test func certificate_overSizeLimit_isRefusedBeforeParsing() async throws {
    let root = try TestPKI.rootCA()
    let verifier = DeviceCertificateVerifier(
        configuration: .init(trustRoots: [root.certificate], maxCertificateSize: 100),
        revocation: RevocationList()
    )
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).denialCode == .malformed)
}

@Test func certificate_denialDetail_neverEchoesTheRawIdentity() async throws {
    let root = try TestPKI.rootCA()
    let leaf = try TestPKI.device(issuedBy: root, uris: ["urn:castellan:device:evil\u{1B}[31m"])
    guard case .denied(let reason) = try await verify(leaf, trusting: root) else {
        Issue.record("expected a denial")
        return
    }
    #expect(!reason.detail.contains("evil"))
    #expect(!reason.detail.contains("\u{1B}"))
}

@Test func certificateFingerprint_hexRoundTrips() throws {
    let fingerprint = CertificateFingerprint(derEncoded: [1, 2, 3])
    #expect(fingerprint.description.count == 64)
    #expect(CertificateFingerprint(hex: fingerprint.description) == fingerprint)
    #expect(CertificateFingerprint(hex: fingerprint.description.uppercased()) == fingerprint)
    #expect(CertificateFingerprint(hex: "zz" + fingerprint.description.dropFirst(2)) == nil)
    #expect(CertificateFingerprint(hex: "00") == nil)
    // SHA-256("abc"), FIPS 180-2 B.1
    #expect(CertificateFingerprint(derEncoded: Array("abc".utf8)).description
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
}

/// A valid certificate whose signature's last byte has a zero low bit, so that declaring one
/// unused bit keeps the BIT STRING well-formed DER (the malleable case). ECDSA signatures
/// are randomized, so this retries; each try succeeds with probability 1/2.
private func certificateWithEvenSignatureTail(_ root: TestPKI.Authority) throws -> [UInt8] {
    for _ in 0..<64 {
        let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
        if let last = der.last, last & 1 == 0 { return der }
    }
    throw CancellationError()
}

@Test func certificate_signatureWithDeclaredUnusedBit_isRefusedAsMalformed() async throws {
    let root = try TestPKI.rootCA()
    var der = try certificateWithEvenSignatureTail(root)
    let bitString = try #require(der.indices.first { i in
        der[i] == 0x03 && i + 2 < der.count && i + 2 + Int(der[i + 1]) == der.count && der[i + 2] == 0
    })
    let verifier = makeVerifier(roots: [root.certificate])
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).identity != nil)
    der[bitString + 2] = 1
    #expect(try await verifier.verify(derEncoded: der, at: TestPKI.now).denialCode == .malformed)
}

@Test func certificate_outerAlgorithmReencodedWithNullParameters_isRefusedAsMalformed() async throws {
    let root = try TestPKI.rootCA()
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    let algorithm: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
    // Outer layout: 30 82 LL LL | tbs | algorithm | signature; the algorithm appears last before the BIT STRING.
    let outerAlgorithmStart = try #require(
        (0..<(der.count - algorithm.count)).last { der[$0..<($0 + algorithm.count)].elementsEqual(algorithm) }
    )
    let tbsAndHeader = Array(der[4..<outerAlgorithmStart])
    let signature = Array(der[(outerAlgorithmStart + algorithm.count)...])
    let altered: [UInt8] = [0x30, 0x0C] + algorithm.dropFirst(2) + [0x05, 0x00]
    let body = tbsAndHeader + altered + signature
    let reencoded: [UInt8] = [0x30, 0x82, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    let verifier = makeVerifier(roots: [root.certificate])
    #expect(try await verifier.verify(derEncoded: reencoded, at: TestPKI.now).denialCode == .malformed)
}
