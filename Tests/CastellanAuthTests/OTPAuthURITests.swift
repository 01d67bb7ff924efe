import Testing
import CastellanAuth
import SupervisionTesting

private let secret20 = Array("12345678901234567890".utf8)
private let secretText = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

private func makeURI(issuer: String? = "Castellan", account: String = "dev1", algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30) throws -> OTPAuthURI {
    let totp = try TOTP(secret: TOTPSecret(bytes: secret20), algorithm: algorithm, digits: digits, period: period)
    return try OTPAuthURI(issuer: issuer, account: account, totp: totp)
}

@Test func otpauth_generate_writesTheKeyURIFormat() throws {
    let uri = try makeURI(algorithm: .sha256, digits: 8, period: 60)
    #expect(uri.uri == "otpauth://totp/Castellan:dev1?secret=\(secretText)&issuer=Castellan&algorithm=SHA256&digits=8&period=60")
}

@Test func otpauth_generate_percentEncodesLabelAndIssuer() throws {
    let uri = try makeURI(issuer: "ACME Co & Sons", account: "alice@example.com")
    #expect(uri.uri == "otpauth://totp/ACME%20Co%20%26%20Sons:alice%40example.com?secret=\(secretText)&issuer=ACME%20Co%20%26%20Sons&algorithm=SHA1&digits=6&period=30")
}

@Test func otpauth_withoutIssuer_hasAPlainLabel() throws {
    let uri = try makeURI(issuer: nil)
    #expect(uri.uri == "otpauth://totp/dev1?secret=\(secretText)&algorithm=SHA1&digits=6&period=30")
}

@Test func otpauth_generateThenParse_roundTrips() throws {
    for algorithm in OTPAlgorithm.allCases {
        for (issuer, account) in [("Castellan", "dev1"), ("Ünïcode Ltd", "dév ice+1"), ("a%b", "c?d&e=f#g")] as [(String?, String)] + [(nil, "solo")] {
            let original = try makeURI(issuer: issuer, account: account, algorithm: algorithm, digits: 7, period: 45)
            let parsed = try OTPAuthURI(parsing: original.uri)
            #expect(parsed.issuer == issuer)
            #expect(parsed.account == account)
            #expect(parsed.totp.secret.bytes == secret20)
            #expect(parsed.totp.algorithm == algorithm)
            #expect(parsed.totp.digits == 7)
            #expect(parsed.totp.period == 45)
            #expect(parsed.uri == original.uri)
        }
    }
}

@Test func otpauth_parse_appliesDefaultsAndAcceptsGoogleAuthenticatorSpellings() throws {
    let secret21 = Array("123456789012345678901".utf8)
    let padded = Base32.encode(secret21).lowercased() + "======"
    let parsed = try OTPAuthURI(parsing: "OTPAUTH://TOTP/Example%3Aalice%40google.com?secret=\(padded)&issuer=Example")
    #expect(parsed.totp.secret.bytes == secret21)
    #expect(parsed.issuer == "Example")
    #expect(parsed.account == "alice@google.com")
    #expect(parsed.totp.algorithm == .sha1)
    #expect(parsed.totp.digits == 6)
    #expect(parsed.totp.period == 30)
    let spaced = try OTPAuthURI(parsing: "otpauth://totp/Example:%20%20alice?secret=\(secretText)&algorithm=sha512")
    #expect(spaced.account == "alice")
    #expect(spaced.issuer == "Example")
    #expect(spaced.totp.algorithm == .sha512)
}

@Test func otpauth_parsedTOTP_producesTheRFCCodes() throws {
    let parsed = try OTPAuthURI(parsing: "otpauth://totp/dev1?secret=\(secretText)&digits=8")
    #expect(try parsed.totp.code(at: 59) == "94287082")
}

@Test func otpauth_description_neverShowsTheSecret() throws {
    let uri = try makeURI()
    #expect(!"\(uri)".contains(secretText))
    #expect(!String(reflecting: uri).contains(secretText))
}

private let s = "secret=\(secretText)"

@Test(arguments: [
    ("http://totp/a?\(s)", OTPAuthURIError.invalidScheme()),
    ("otpauth:/totp/a?\(s)", .invalidScheme()),
    ("otpauth://hotp/a?\(s)&counter=1", .unsupportedType()),
    ("otpauth://xotp/a?\(s)", .unsupportedType()),
    ("otpauth://totp?\(s)", .malformed()),
    ("otpauth://totp/?\(s)", .invalidLabel()),
    ("otpauth://totp/Issuer:?\(s)", .invalidLabel()),
    ("otpauth://totp/:acct?\(s)", .invalidLabel()),
    ("otpauth://totp/a:b:c?\(s)", .invalidLabel()),
    ("otpauth://totp/a%0Ab?\(s)", .invalidLabel()),
    ("otpauth://totp/a/b?\(s)", .invalidLabel()),
    ("otpauth://totp/a", .missingSecret()),
    ("otpauth://totp/a?issuer=x", .missingSecret()),
    ("otpauth://totp/a?\(s)#frag", .malformed()),
    ("otpauth://totp/a b?\(s)", .malformed()),
    ("otpauth://totp/é?\(s)", .malformed()),
    ("otpauth://totp/a?\(s)&", .malformed()),
    ("otpauth://totp/a?\(s)&&digits=6", .malformed()),
    ("otpauth://totp/a?\(s)&digits", .malformed()),
    ("otpauth://totp/a%2?\(s)", .invalidPercentEncoding()),
    ("otpauth://totp/a%zz?\(s)", .invalidPercentEncoding()),
    ("otpauth://totp/a%FF?\(s)", .invalidPercentEncoding()),
    ("otpauth://totp/a?\(s)&\(s)", .duplicateParameter("secret")),
    ("otpauth://totp/a?\(s)&digits=6&digits=6", .duplicateParameter("digits")),
    ("otpauth://totp/a?\(s)&image=x", .unknownParameter()),
    ("otpauth://totp/a?\(s)&Digits=6", .unknownParameter()),
    ("otpauth://totp/a?secret=GEZ1", .invalidSecret(.invalidSecretEncoding(.invalidCharacter(offset: 3)))),
    ("otpauth://totp/a?secret=GEZDGNBV", .invalidSecret(.secretTooShort(byteCount: 5))),
    ("otpauth://totp/a?secret=", .invalidSecret(.secretTooShort(byteCount: 0))),
    ("otpauth://totp/a?\(s)&algorithm=MD5", .invalidAlgorithm()),
    ("otpauth://totp/a?\(s)&digits=5", .invalidDigits()),
    ("otpauth://totp/a?\(s)&digits=9", .invalidDigits()),
    ("otpauth://totp/a?\(s)&digits=+6", .invalidDigits()),
    ("otpauth://totp/a?\(s)&digits=six", .invalidDigits()),
    ("otpauth://totp/a?\(s)&period=0", .invalidPeriod()),
    ("otpauth://totp/a?\(s)&period=301", .invalidPeriod()),
    ("otpauth://totp/a?\(s)&period=-30", .invalidPeriod()),
    ("otpauth://totp/a?\(s)&period=99999999999999999999999", .invalidPeriod()),
    ("otpauth://totp/A:b?\(s)&issuer=B", .issuerMismatch()),
    ("otpauth://totp/b?\(s)&issuer=", .invalidIssuer()),
    ("otpauth://totp/b?\(s)&issuer=x%3Ay", .invalidIssuer()),
    ("otpauth://totp/b?\(s)&issuer=x%00", .invalidIssuer()),
] as [(String, OTPAuthURIError)])
func otpauth_malformedURI_isRefusedWithATypedError(text: String, error: OTPAuthURIError) throws {
    #expect(throws: error) { try OTPAuthURI(parsing: text) }
}

@Test func otpauth_overlongURI_isRefused() throws {
    let long = "otpauth://totp/\(String(repeating: "a", count: OTPAuthURI.maxLength))?\(s)"
    #expect(throws: OTPAuthURIError.tooLong()) { try OTPAuthURI(parsing: long) }
}

@Test(arguments: [
    (String?.some("a:b"), "dev1", OTPAuthURIError.invalidIssuer()),
    ("", "dev1", .invalidIssuer()),
    ("ok", "", .invalidLabel()),
    ("ok", "a:b", .invalidLabel()),
    ("ok", "a\u{7}", .invalidLabel()),
    ("ok", String(repeating: "x", count: 257), .invalidLabel()),
])
func otpauth_generateWithBadIssuerOrAccount_isRefused(issuer: String?, account: String, error: OTPAuthURIError) throws {
    let totp = try TOTP(secret: TOTPSecret(bytes: secret20))
    #expect(throws: error) { try OTPAuthURI(issuer: issuer, account: account, totp: totp) }
}

@Test func otpauth_fuzzedInput_returnsAValueOrATypedError() throws {
    var rng = SeededRandom(seed: 0x07FA)
    let valid = try makeURI(issuer: "ACME Co", account: "dev-1", algorithm: .sha256, digits: 8, period: 60).uri
    let pieces = ["otpauth://", "totp/", "hotp/", "?", "&", "=", "%", "%3A", "%2", ":", "secret=", "issuer=",
                  "digits=", "period=", "algorithm=", "SHA1", "8", "301", "#", " ", "é", "\u{0}", secretText, "GEZ"]
    var values = 0, errors = 0, mismatches = 0
    for round in 0..<100_000 {
        var text: String
        if round % 2 == 0 {
            var bytes = Array(valid.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(contentsOf: pieces.randomElement(using: &rng)!.utf8, at: position)
                default: bytes.insert(bytes[Int.random(in: 0..<bytes.count, using: &rng)], at: position)
                }
                if bytes.isEmpty { bytes = Array(valid.utf8) }
            }
            text = String(decoding: bytes, as: UTF8.self)
        } else {
            text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        do {
            let parsed = try OTPAuthURI(parsing: text)
            // Whatever parses must survive its own generate/parse cycle unchanged.
            if try OTPAuthURI(parsing: parsed.uri).uri != parsed.uri { mismatches += 1 }
            values += 1
        } catch {
            errors += 1
        }
    }
    #expect(values + errors == 100_000)
    #expect(mismatches == 0)
    #expect(values > 100 && errors > 10_000)
}
