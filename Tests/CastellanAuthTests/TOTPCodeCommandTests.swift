import Testing
import CastellanAuth

// `castellan totp code` is a thin shell over TOTP.code(base32Secret:…); these tests drive that.

private let sha1Secret = Base32.encode(Array("12345678901234567890".utf8))
private let sha256Secret = Base32.encode(Array("12345678901234567890123456789012".utf8))
private let sha512Secret = Base32.encode(Array("1234567890123456789012345678901234567890123456789012345678901234".utf8))

@Test(arguments: [
    (59, "94287082", "46119246", "90693936"),
    (1_111_111_109, "07081804", "68084774", "25091201"),
    (1_111_111_111, "14050471", "67062674", "99943326"),
    (1_234_567_890, "89005924", "91819424", "93441116"),
    (2_000_000_000, "69279037", "90698825", "38618901"),
    (20_000_000_000, "65353130", "77737706", "47863826"),
] as [(Int64, String, String, String)])
func totpCodeCommand_printsEveryRFC6238Vector(time: Int64, sha1: String, sha256: String, sha512: String) throws {
    #expect(try TOTP.code(base32Secret: sha1Secret, algorithm: "SHA1", digits: 8, at: time) == sha1)
    #expect(try TOTP.code(base32Secret: sha256Secret, algorithm: "SHA256", digits: 8, at: time) == sha256)
    #expect(try TOTP.code(base32Secret: sha512Secret, algorithm: "sha512", digits: 8, at: time) == sha512)
}

@Test func totpCodeCommand_defaultsAreSHA1SixDigitsThirtySeconds() throws {
    #expect(try TOTP.code(base32Secret: sha1Secret, at: 59) == "287082")
    #expect(try TOTP.code(base32Secret: sha1Secret, period: 60, at: 59) == "755224")
}

@Test func totpCodeCommand_acceptsPaddingAndLowerCase() throws {
    let secret21 = Array("123456789012345678901".utf8)
    let padded = Base32.encode(secret21) + "======"
    let expected = try TOTP(secret: TOTPSecret(bytes: secret21)).code(at: 59)
    #expect(try TOTP.code(base32Secret: padded, at: 59) == expected)
    #expect(try TOTP.code(base32Secret: padded.lowercased(), at: 59) == expected)
}

@Test func totpCodeCommand_badInput_isATypedErrorWithAClearMessage() throws {
    #expect(throws: OTPError.secretTooShort(byteCount: 10)) { try TOTP.code(base32Secret: "GEZDGNBVGY3TQOJQ", at: 59) }
    #expect(throws: OTPError.invalidSecretEncoding(.whitespace(offset: 4))) { try TOTP.code(base32Secret: "GEZD GNBV", at: 59) }
    #expect(throws: OTPError.unknownAlgorithm()) { try TOTP.code(base32Secret: sha1Secret, algorithm: "SHA-1", at: 59) }
    #expect(throws: OTPError.invalidDigits(9)) { try TOTP.code(base32Secret: sha1Secret, digits: 9, at: 59) }
    #expect(throws: OTPError.invalidPeriod(0)) { try TOTP.code(base32Secret: sha1Secret, period: 0, at: 59) }
    #expect(throws: OTPError.timeBeforeT0()) { try TOTP.code(base32Secret: sha1Secret, at: -1) }
    do {
        _ = try TOTP.code(base32Secret: "GEZDGNBVGY3TQOJQ", at: 59)
    } catch {
        #expect("\(error)" == "TOTP secret is 80 bits; at least 160 bits are required")
        #expect(!"\(error)".contains("GEZD"))
    }
}
