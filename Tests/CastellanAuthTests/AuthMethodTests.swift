import CastellanAuth
import Testing

/// The closed method vocabulary: whatever a client names, the label is one of a fixed set.
@Suite struct AuthMethodTests {
    @Test func enhancedAuthMethods_weOffer_mapToTheirOwnCase() {
        #expect(AuthMethod(enhancedAuthMethod: "SCRAM-SHA-256") == .scramSHA256)
        #expect(AuthMethod(enhancedAuthMethod: "SCRAM-SHA-512") == .scramSHA512)
        #expect(AuthMethod(enhancedAuthMethod: "SCRAM-SHA-1") == .scramSHA1)
        #expect(AuthMethod(.sha256) == .scramSHA256 && AuthMethod(.sha512) == .scramSHA512)
        #expect(AuthMethod(enhancedAuthMethod: "SCRAM-SHA-256-PLUS") == .scramSHA256Plus)
        #expect(AuthMethod(enhancedAuthMethod: "SCRAM-SHA-512-PLUS") == .scramSHA512Plus)
        #expect(AuthMethod(.sha256Plus) == .scramSHA256Plus && AuthMethod(.sha512Plus) == .scramSHA512Plus)
    }

    @Test(arguments: ["", "scram-sha-256", "SCRAM-SHA-1-PLUS", "scram-sha-256-plus", "SCRAM-SHA-256-PLUS ", "GS2-KRB5", "x\u{0}y",
                      String(repeating: "A", count: 65_535), "SCRAM-SHA-256 ", "$(rm -rf /)"])
    func anUnknownEnhancedAuthMethod_isOther(_ name: String) {
        #expect(AuthMethod(enhancedAuthMethod: name) == .other)
        #expect(AuthMethod(enhancedAuthMethod: name).description == "other")
    }

    @Test func labels_areAFixedSet() {
        #expect(AuthMethod.allCases.map(\.description) == [
            "certificate", "cert+totp", "password", "password+totp", "totp", "SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512",
            "SCRAM-SHA-256-PLUS", "SCRAM-SHA-512-PLUS", "other",
        ])
        #expect(AuthMethod(.legacySHA1Plus) == .other)
    }

    @Test func passwordPolicies_nameTheirMethod() {
        #expect(AuthMethod(passwordPolicy: .password) == .password)
        #expect(AuthMethod(passwordPolicy: .passwordTOTP) == .passwordTOTP)
        #expect(AuthMethod(passwordPolicy: .totp) == .totp)
    }
}
