import Testing
import CastellanAuth

/// RFC 6238 Appendix B seeds: the RFC 4226 secret repeated to the hash's block-friendly length.
private let seedSHA1 = Array("12345678901234567890".utf8)
private let seedSHA256 = Array("12345678901234567890123456789012".utf8)
private let seedSHA512 = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

private func rfc6238(_ algorithm: OTPAlgorithm) throws -> TOTP {
    let seed = switch algorithm {
    case .sha1: seedSHA1
    case .sha256: seedSHA256
    case .sha512: seedSHA512
    }
    return try TOTP(secret: TOTPSecret(bytes: seed), algorithm: algorithm, digits: 8, period: 30)
}

struct RFC6238Vector: Sendable, CustomTestStringConvertible {
    let time: Int64
    let algorithm: OTPAlgorithm
    let code: String
    var testDescription: String { "t=\(time) \(algorithm)" }
}

private let rfc6238Vectors: [RFC6238Vector] = [
    (59, "94287082", "46119246", "90693936"),
    (1_111_111_109, "07081804", "68084774", "25091201"),
    (1_111_111_111, "14050471", "67062674", "99943326"),
    (1_234_567_890, "89005924", "91819424", "93441116"),
    (2_000_000_000, "69279037", "90698825", "38618901"),
    (20_000_000_000, "65353130", "77737706", "47863826"),
].flatMap { time, sha1, sha256, sha512 in
    [
        RFC6238Vector(time: time, algorithm: .sha1, code: sha1),
        RFC6238Vector(time: time, algorithm: .sha256, code: sha256),
        RFC6238Vector(time: time, algorithm: .sha512, code: sha512),
    ]
}

@Test func totp_vectorTable_holdsAllEighteenRFC6238Values() {
    #expect(rfc6238Vectors.count == 18)
}

@Test(arguments: rfc6238Vectors)
func totp_rfc6238Vector_matchesAppendixB(vector: RFC6238Vector) throws {
    let totp = try rfc6238(vector.algorithm)
    #expect(try totp.code(at: vector.time) == vector.code)
    #expect(totp.verify(vector.code, at: vector.time, window: 0) == vector.time / 30)
}

@Test func totp_defaults_areSHA1SixDigitsThirtySeconds() throws {
    let totp = try TOTP(secret: TOTPSecret(bytes: seedSHA1))
    #expect(totp.algorithm == .sha1)
    #expect(totp.digits == 6)
    #expect(totp.period == 30)
    #expect(totp.t0 == 0)
    #expect(try totp.code(at: 59) == "287082")
}

@Test func totp_step_countsPeriodsSinceT0() throws {
    let totp = try TOTP(secret: TOTPSecret(bytes: seedSHA1), period: 30, t0: 100)
    #expect(totp.step(at: 100) == 0)
    #expect(totp.step(at: 129) == 0)
    #expect(totp.step(at: 130) == 1)
    #expect(totp.step(at: 99) == nil)
    #expect(throws: OTPError.timeBeforeT0()) { try totp.code(at: 99) }
}

@Test func totp_nonZeroT0_shiftsTheSteps() throws {
    let shifted = try TOTP(secret: TOTPSecret(bytes: seedSHA1), digits: 8, t0: 1_000)
    #expect(try shifted.code(at: 1_059) == "94287082")
}

@Test func totp_timeExtremes_doNotTrap() throws {
    let totp = try TOTP(secret: TOTPSecret(bytes: seedSHA1), period: 1, t0: -5)
    #expect(totp.step(at: .max) == nil)
    #expect(totp.verify("000000", at: .max, window: 1) == nil)
    let atEpoch = try TOTP(secret: TOTPSecret(bytes: seedSHA1), period: 1, t0: 0)
    let last = try atEpoch.code(at: .max)
    #expect(atEpoch.verify(last, at: .max, window: 1) == .max)
    #expect(atEpoch.verify(try atEpoch.code(at: 0), at: 0, window: 1) == 0)
}

@Test(arguments: [0, -1, 301, 100_000])
func totp_periodOutsideOneToThreeHundred_isRefused(period: Int) throws {
    #expect(throws: OTPError.invalidPeriod(period)) {
        try TOTP(secret: TOTPSecret(bytes: seedSHA1), period: period)
    }
}

// MARK: - Verification window

private let now: Int64 = 1_111_111_111  // step 37037037, 1 s into the step

private func codeSteps(_ offset: Int64, _ totp: TOTP) throws -> String {
    try totp.code(at: now + offset * 30)
}

@Test func totp_verify_currentStep_returnsThatStep() throws {
    let totp = try rfc6238(.sha1)
    #expect(totp.verify(try codeSteps(0, totp), at: now, window: 1) == now / 30)
}

@Test func totp_verify_oneStepEitherSide_isAcceptedWithItsOwnStep() throws {
    let totp = try rfc6238(.sha256)
    #expect(totp.verify(try codeSteps(-1, totp), at: now, window: 1) == now / 30 - 1)
    #expect(totp.verify(try codeSteps(1, totp), at: now, window: 1) == now / 30 + 1)
}

@Test func totp_codeTwoStepsOldOrAhead_isRefused() throws {
    let totp = try rfc6238(.sha512)
    #expect(totp.verify(try codeSteps(-2, totp), at: now, window: 1) == nil)
    #expect(totp.verify(try codeSteps(2, totp), at: now, window: 1) == nil)
}

@Test func totp_windowZero_acceptsOnlyTheCurrentStep() throws {
    let totp = try rfc6238(.sha1)
    #expect(totp.verify(try codeSteps(0, totp), at: now, window: 0) == now / 30)
    #expect(totp.verify(try codeSteps(-1, totp), at: now, window: 0) == nil)
    #expect(totp.verify(try codeSteps(1, totp), at: now, window: 0) == nil)
}

@Test func totp_windowAboveOne_isClampedToOne() throws {
    let totp = try rfc6238(.sha1)
    #expect(totp.verify(try codeSteps(-2, totp), at: now, window: 10) == nil)
    #expect(totp.verify(try codeSteps(-1, totp), at: now, window: 10) == now / 30 - 1)
    #expect(totp.verify(try codeSteps(-1, totp), at: now, window: -3) == nil)
}

@Test(arguments: ["", "1405047", "140504711", "1405047a", "14O50471", " 4050471", "１４050471", "+4050471"])
func totp_codeOfWrongLengthOrWithNonDigits_isRefused(code: String) throws {
    let totp = try rfc6238(.sha1)
    #expect(totp.verify(code, at: now, window: 1) == nil)
    #expect(totp.verify("14050471", at: now, window: 1) != nil)
}

@Test func totp_description_neverShowsTheSecret() throws {
    let totp = try rfc6238(.sha1)
    #expect(!"\(totp)".contains("1234"))
    #expect(!String(reflecting: totp).contains("1234"))
    #expect(!"\(totp.secret)".contains("1234"))
}
