import Testing
import CastellanAuth

/// Hands out a fixed byte pattern so generated secrets are predictable in tests.
private struct CountingEntropy: EntropySource {
    func bytes(_ count: Int) throws -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0) } }
}

/// Breaks the entropy contract by returning fewer bytes than asked for.
private struct ShortEntropy: EntropySource {
    func bytes(_ count: Int) throws -> [UInt8] { Array(repeating: 7, count: count / 2) }
}

private struct FailingEntropy: EntropySource {
    struct Broken: Error {}
    func bytes(_ count: Int) throws -> [UInt8] { throw Broken() }
}

@Test(arguments: [(OTPAlgorithm.sha1, 20), (.sha256, 32), (.sha512, 64)])
func totpSecret_generate_takesTheHashsLengthFromTheEntropySource(algorithm: OTPAlgorithm, count: Int) throws {
    let secret = try TOTPSecret.generate(using: CountingEntropy(), algorithm: algorithm)
    #expect(secret.bytes == (0..<count).map { UInt8($0) })
}

@Test func totpSecret_generateFromSystemEntropy_differsEachTime() throws {
    let a = try TOTPSecret.generate(), b = try TOTPSecret.generate()
    #expect(a.bytes.count == 20)
    #expect(a.bytes != b.bytes)
}

@Test func totpSecret_shortReadFromEntropy_isAnError() throws {
    #expect(throws: OTPError.entropyShortRead()) { try TOTPSecret.generate(using: ShortEntropy()) }
    #expect(throws: FailingEntropy.Broken.self) { try TOTPSecret.generate(using: FailingEntropy()) }
}

@Test(arguments: [0, 1, 16, 19])
func totpSecret_under160Bits_isRefused(count: Int) throws {
    #expect(throws: OTPError.secretTooShort(byteCount: count)) {
        try TOTPSecret(bytes: Array(repeating: 1, count: count))
    }
}

@Test func totpSecret_exactly160Bits_isAccepted() throws {
    #expect(try TOTPSecret(bytes: Array(repeating: 1, count: 20)).bytes.count == 20)
}

@Test func totpSecret_base32_roundTripsWithoutPadding() throws {
    let secret = try TOTPSecret(bytes: Array("12345678901234567890".utf8))
    #expect(secret.base32 == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    #expect(try TOTPSecret(base32: "gezdgnbvgy3tqojqgezdgnbvgy3tqojq").bytes == secret.bytes)
}

@Test func totpSecret_fromBadBase32_reportsTheEncodingError() throws {
    #expect(throws: OTPError.invalidSecretEncoding(.invalidCharacter(offset: 1))) {
        try TOTPSecret(base32: "G1ZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    }
    #expect(throws: OTPError.secretTooShort(byteCount: 5)) { try TOTPSecret(base32: "GEZDGNBV") }
}

@Test func otpAlgorithm_parsesNamesInAnyCase() throws {
    #expect(try OTPAlgorithm(parsing: "SHA1") == .sha1)
    #expect(try OTPAlgorithm(parsing: "sha256") == .sha256)
    #expect(try OTPAlgorithm(parsing: "Sha512") == .sha512)
    #expect(OTPAlgorithm.sha256.name == "SHA256")
}

@Test(arguments: ["", "SHA-1", "MD5", "SHA384", "sha1 ", "SHA1\u{0}"])
func otpAlgorithm_unknownName_isRefused(name: String) throws {
    #expect(throws: OTPError.unknownAlgorithm()) { try OTPAlgorithm(parsing: name) }
}
