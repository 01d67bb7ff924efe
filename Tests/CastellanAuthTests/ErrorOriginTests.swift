import CastellanAuth
import Testing

/// The one error idiom: equal by code, whatever line made the error.
@Suite struct ErrorOriginTests {
    @Test func errors_madeOnDifferentLines_areEqualByCode_andHashAlike() {
        let first = PolicyError.invalidLockout("x")
        let second = PolicyError.invalidLockout("x")
        #expect(first.origin.line != second.origin.line)
        #expect(first == second && first.hashValue == second.hashValue)
        #expect(first != PolicyError.invalidLockout("y"))
        #expect(first != PolicyError.unknownFactors())
        #expect(first.origin.fileID.hasSuffix("ErrorOriginTests.swift"))
        #expect(Base32Error.invalidLength() == Base32Error.invalidLength())
        #expect(Base32Error.invalidCharacter(offset: 1) != Base32Error.invalidCharacter(offset: 2))
    }
}
