import CastellanAuth
import Testing

@Test func passwordVerifier_rightPassword_matchesTheSCRAMCredential() throws {
    let credential = try SCRAMFixtures.credential()
    #expect(PasswordVerifier.verify(password: "pencil", against: credential))
    #expect(PasswordVerifier.verify(password: Array("pencil".utf8), against: credential))
    let sha512 = try SCRAMFixtures.credential(mechanism: .sha512)
    #expect(PasswordVerifier.verify(password: "pencil", against: sha512))
}

@Test func passwordVerifier_wrongOrUnusablePasswords_doNotMatch() throws {
    let credential = try SCRAMFixtures.credential()
    for password in ["pencil2", "Pencil", "pencil ", "", "pencil\u{0}junk"] {
        #expect(!PasswordVerifier.verify(password: password, against: credential), "\(password.debugDescription)")
    }
    #expect(!PasswordVerifier.verify(password: [0x70, 0xFF], against: credential))
}

@Test func passwordVerifier_generatedCredential_acceptsOnlyItsPassword() throws {
    let credential = try SCRAMCredential.generate(password: "s3cret-Pass", entropy: SystemEntropy())
    #expect(PasswordVerifier.verify(password: "s3cret-Pass", against: credential))
    #expect(!PasswordVerifier.verify(password: "s3cret-pass", against: credential))
}

@Test func passwordVerifier_unknownUser_runsTheKeyDerivationAndRefuses() {
    #expect(!PasswordVerifier.verifyUnknownUser(password: Array("pencil".utf8)))
    #expect(!PasswordVerifier.verifyUnknownUser(password: [], iterations: 1))
}

/// The decoy an unknown name is checked against has the shape of Castellan's own credentials
/// (so the check costs what a real one costs) and verifies no password.
@Test func passwordVerifier_decoy_isShapedLikeARealCredential_andVerifiesNothing() throws {
    let real = try SCRAMCredential.generate(password: "pencil", entropy: SystemEntropy())
    let decoy = PasswordVerifier.decoy()
    #expect(decoy.mechanism == real.mechanism && decoy.iterations == real.iterations && decoy.salt.count == real.salt.count)
    #expect(PasswordVerifier.decoy(iterations: 1).iterations == SCRAMCredential.minimumIterations)
    for password in ["pencil", "", "decoy", String(repeating: "\u{0}", count: 3)] {
        #expect(!PasswordVerifier.verify(password: Array(password.utf8), against: decoy))
    }
}
