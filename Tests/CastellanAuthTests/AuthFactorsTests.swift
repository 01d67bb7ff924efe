import Testing
import CastellanAuth

private let names = ["cert", "cert+totp", "scram", "scram+totp", "password", "password+totp", "totp"]

@Test func authFactors_everyPolicyName_parsesAndPrintsBack() throws {
    #expect(AuthFactors.allCases.map(\.name) == names)
    for name in names {
        #expect(try AuthFactors(parsing: name).name == name)
        #expect("\(try AuthFactors(parsing: name))" == name)
    }
}

@Test(arguments: ["", "CERT", "Cert+TOTP", "totp+cert", "cert+", "cert + totp", "scram-sha-256", "password+totp+cert", "none"])
func authFactors_unknownName_isRefusedWithTheValidNames(name: String) throws {
    #expect(throws: PolicyError.unknownFactors()) { try AuthFactors(parsing: name) }
    do {
        _ = try AuthFactors(parsing: name)
    } catch {
        #expect("\(error)".contains("cert, cert+totp, scram, scram+totp, password, password+totp, totp"))
    }
}

@Test func authFactors_describeWhereEachFactorTravels() throws {
    #expect(AuthFactors.cert.requiresCertificate && !AuthFactors.cert.requiresTOTP)
    #expect(AuthFactors.cert.totpPlacement == nil)
    #expect(AuthFactors.certTOTP.requiresCertificate && AuthFactors.certTOTP.totpPlacement == .passwordField)
    #expect(AuthFactors.scram.usesSCRAM && !AuthFactors.scram.requiresTOTP)
    #expect(AuthFactors.scramTOTP.usesSCRAM && AuthFactors.scramTOTP.totpPlacement == .scramAttribute)
    #expect(AuthFactors.password.usesPassword && AuthFactors.password.totpPlacement == nil)
    #expect(AuthFactors.passwordTOTP.usesPassword && AuthFactors.passwordTOTP.totpPlacement == .passwordSuffix)
    #expect(AuthFactors.totp.totpPlacement == .passwordField && !AuthFactors.totp.usesPassword)
    #expect(AuthFactors.totp.identityFromUsername)
    #expect(!AuthFactors.cert.identityFromUsername && !AuthFactors.certTOTP.identityFromUsername)
    #expect(AuthFactors.allCases.filter(\.requiresTOTP).count == 4)
}

@Test func authFactors_codable_usesThePolicyName() throws {
    struct Wrapper: Codable { let policy: AuthFactors }
    let decoded = try JSONDecoderShim.decode(Wrapper.self, from: #"{"policy":"scram+totp"}"#)
    #expect(decoded.policy == .scramTOTP)
    #expect(try JSONDecoderShim.encode(Wrapper(policy: .passwordTOTP)) == #"{"policy":"password+totp"}"#)
    #expect(throws: (any Error).self) { try JSONDecoderShim.decode(Wrapper.self, from: #"{"policy":"cert+scram"}"#) }
}
