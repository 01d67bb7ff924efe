import Foundation
import Testing
@testable import CastellanAuth
import SupervisionTesting

private let t0 = Date(timeIntervalSince1970: 1_750_000_000)

/// Stand-in DER: identity `n` has serial `n` and the fingerprint SHA-256 of `[n]`.
private func der(_ id: CertificateIdentity) -> [UInt8] {
    Array(id.serialNumber.bytes.suffix(1))
}

private func identity(_ n: UInt8, device: String = "dev1") throws -> CertificateIdentity {
    CertificateIdentity(
        deviceID: try DeviceID(device), fingerprint: CertificateFingerprint(derEncoded: [n]),
        serialNumber: .init(UInt64(n)), notValidAfter: t0 + 1000
    )
}

private func insert(_ cache: CertificateVerificationCache, _ id: CertificateIdentity) {
    cache.insert(id, der: der(id), validFrom: t0 - 1000, validUntil: t0 + 1000)
}

@Test func verificationCache_hit_returnsTheStoredIdentity() throws {
    let cache = CertificateVerificationCache(capacity: 4)
    let a = try identity(1)
    insert(cache, a)
    #expect(cache.lookup(a.fingerprint, at: t0) == a)
    #expect(cache.lookup(try identity(2).fingerprint, at: t0) == nil)
}

@Test func verificationCache_isBoundedByItsCapacity() throws {
    let cache = CertificateVerificationCache(capacity: 3)
    for n in 1...10 { insert(cache, try identity(UInt8(n))) }
    #expect(cache.count == 3)
}

@Test func verificationCache_recentlyUsedEntry_survivesEviction() throws {
    let cache = CertificateVerificationCache(capacity: 3)
    let (a, b, c, d) = (try identity(1), try identity(2), try identity(3), try identity(4))
    [a, b, c].forEach { insert(cache, $0) }
    _ = cache.lookup(a.fingerprint, at: t0)
    insert(cache, d)
    #expect(cache.lookup(a.fingerprint, at: t0) == a)
    #expect(cache.lookup(b.fingerprint, at: t0) == nil)
    #expect(cache.lookup(c.fingerprint, at: t0) == c)
    #expect(cache.lookup(d.fingerprint, at: t0) == d)
}

@Test func verificationCache_entry_isUsableOnlyInsideItsWindowInclusive() throws {
    let cache = CertificateVerificationCache(capacity: 4)
    let a = try identity(1)
    insert(cache, a)
    #expect(cache.lookup(a.fingerprint, at: t0 + 1000) == a)
    #expect(cache.lookup(a.fingerprint, at: t0 - 1001) == nil)
    insert(cache, a)
    #expect(cache.lookup(a.fingerprint, at: t0 + 1001) == nil)
    #expect(cache.count == 0)
}

@Test func verificationCache_invalidateFingerprint_dropsOnlyThatCertificate() throws {
    let cache = CertificateVerificationCache(capacity: 4)
    let (a, b) = (try identity(1), try identity(2))
    insert(cache, a)
    insert(cache, b)
    cache.invalidate(fingerprint: a.fingerprint)
    #expect(cache.lookup(a.fingerprint, at: t0) == nil)
    #expect(cache.lookup(b.fingerprint, at: t0) == b)
}

@Test func verificationCache_invalidateDevice_dropsEveryCertificateOfThatDevice() throws {
    let cache = CertificateVerificationCache(capacity: 8)
    let (a, b, c) = (try identity(1, device: "dev1"), try identity(2, device: "dev1"), try identity(3, device: "dev2"))
    [a, b, c].forEach { insert(cache, $0) }
    cache.invalidate(device: try DeviceID("dev1"))
    #expect(cache.count == 1)
    #expect(cache.lookup(c.fingerprint, at: t0) == c)
}

@Test func verificationCache_freedSlots_areReusedBeforeEvicting() throws {
    let cache = CertificateVerificationCache(capacity: 2)
    let (a, b, c) = (try identity(1), try identity(2), try identity(3))
    insert(cache, a)
    insert(cache, b)
    cache.invalidate(fingerprint: a.fingerprint)
    insert(cache, c)
    #expect(cache.lookup(b.fingerprint, at: t0) == b)
    #expect(cache.lookup(c.fingerprint, at: t0) == c)
}

@Test func verificationCache_zeroCapacity_cachesNothing() throws {
    let cache = CertificateVerificationCache(capacity: 0)
    insert(cache, try identity(1))
    #expect(cache.count == 0)
}

@Test func verificationCache_manyInsertsAndInvalidations_keepIndexConsistent() throws {
    var random = SeededRandom(seed: 7)
    let cache = CertificateVerificationCache(capacity: 16)
    for _ in 0..<5_000 {
        let n = UInt8.random(in: 0...63, using: &random)
        let id = try identity(n, device: "dev\(n % 5)")
        switch Int.random(in: 0..<4, using: &random) {
        case 0: cache.invalidate(fingerprint: id.fingerprint)
        case 1: cache.invalidate(device: id.deviceID)
        default: insert(cache, id)
        }
        #expect(cache.count <= 16)
        if let found = cache.lookup(id.fingerprint, at: t0) { #expect(found == id) }
    }
}

@Test func verificationCache_lookupByDER_findsTheSameEntryWithoutHashing() throws {
    let cache = CertificateVerificationCache(capacity: 4)
    let a = try identity(1)
    insert(cache, a)
    #expect(cache.lookup(derEncoded: [1], at: t0) == a)
    #expect(cache.lookup(derEncoded: [2], at: t0) == nil)
    #expect(cache.lookup(derEncoded: [1, 0], at: t0) == nil)
    cache.invalidate(fingerprint: a.fingerprint)
    #expect(cache.lookup(derEncoded: [1], at: t0) == nil)
}

@Test func derKey_equalTails_butDifferentBytes_areDifferentKeys() {
    let tail = [UInt8](repeating: 7, count: 64)
    let a = DERKey([1] + tail), b = DERKey([2] + tail)
    #expect(a != b)
    #expect(a.hashValue == b.hashValue)
    #expect(DERKey([1] + tail) == a)
    #expect(DERKey([]) == DERKey([]))
}
