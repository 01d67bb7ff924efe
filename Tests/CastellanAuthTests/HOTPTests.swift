import Testing
import CastellanAuth

/// RFC 4226 Appendix D: secret "12345678901234567890", six digits, SHA-1.
private let rfc4226Codes = [
    "755224", "287082", "359152", "969429", "338314",
    "254676", "287922", "162583", "399871", "520489",
]

private func rfc4226HOTP(digits: Int = 6) throws -> HOTP {
    try HOTP(secret: TOTPSecret(bytes: Array("12345678901234567890".utf8)), algorithm: .sha1, digits: digits)
}

@Test(arguments: 0..<10)
func hotp_rfc4226Vector_matchesAppendixD(counter: Int) throws {
    #expect(try rfc4226HOTP().code(counter: UInt64(counter)) == rfc4226Codes[counter])
}

@Test func hotp_eightDigits_keepsLeadingDigitsOfTheTruncatedValue() throws {
    // Appendix D lists the truncated decimal 1284755224 for count 0: 8 digits keep its last 8.
    #expect(try rfc4226HOTP(digits: 8).code(counter: 0) == "84755224")
    #expect(try rfc4226HOTP(digits: 7).code(counter: 0) == "4755224")
}

@Test(arguments: [0, 5, 9, 10, -1])
func hotp_digitsOutsideSixToEight_areRefused(digits: Int) throws {
    #expect(throws: OTPError.invalidDigits(digits)) { try rfc4226HOTP(digits: digits) }
}

@Test func hotp_description_neverShowsTheSecret() throws {
    let hotp = try rfc4226HOTP()
    #expect(!"\(hotp)".contains("1234"))
    #expect(!String(reflecting: hotp).contains("1234"))
}
