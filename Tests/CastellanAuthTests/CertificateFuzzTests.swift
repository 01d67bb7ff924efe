import Foundation
import Testing
import X509
@testable import CastellanAuth
import SupervisionTesting

/// Mutations of one valid device certificate: each must come back as a decision (almost all
/// `certificate_malformed` or `certificate_untrusted`), never a crash and never an accepted
/// identity for bytes that differ from what the CA signed.
///
/// Count: 20,000, not 100,000 — in a debug build each verification of a mutation that still
/// parses costs an ECDSA check, and 20,000 mutations take about 9 s on the 2-core CI machine.
private let mutationCount = 20_000

@Test func certificateFuzz_mutatedDER_isAlwaysADecisionAndNeverAccepted() async throws {
    let root = try TestPKI.rootCA()
    let der = try TestPKI.der(try TestPKI.device(issuedBy: root))
    let verifier = DeviceCertificateVerifier(
        configuration: .init(trustRoots: [root.certificate], cacheCapacity: 0),
        revocation: RevocationCheck { _, _ in false }
    )
    var random = SeededRandom(seed: 0xCE57)
    var parsed = 0
    var accepted = 0
    for _ in 0..<mutationCount {
        var bytes = der
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            switch Int.random(in: 0..<5, using: &random) {
            case 0:
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 1:
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
            case 2 where bytes.count > 1:
                bytes.removeLast(Int.random(in: 1..<bytes.count, using: &random))
            case 3:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
            default:
                // Length bytes are where parsers break: hit the first few headers.
                let index = Int.random(in: 0..<min(16, bytes.count), using: &random)
                bytes[index] = [0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF].randomElement(using: &random)!
            }
        }
        if bytes == der { continue }
        if (try? Certificate(derEncoded: bytes)) != nil { parsed += 1 }
        if try await verifier.verify(derEncoded: bytes, at: TestPKI.now).identity != nil { accepted += 1 }
    }
    #expect(accepted == 0, "a mutated certificate was accepted")
    #expect(parsed > 0, "some mutations should still parse and reach the chain check")
}
