import Testing
import CastellanAuth

@Test func passwordWithTOTP_splitsOffTheLastDigits() throws {
    let field = try #require(PasswordWithTOTP(field: Array("hunter2123456".utf8), digits: 6))
    #expect(field.password == Array("hunter2".utf8))
    #expect(field.code == "123456")
    let eight = try #require(PasswordWithTOTP(field: Array("pw12345678".utf8), digits: 8))
    #expect(eight.password == Array("pw".utf8))
    #expect(eight.code == "12345678")
}

@Test func passwordWithTOTP_passwordMayEndInDigitsOrHoldAnyBytes() throws {
    let field = try #require(PasswordWithTOTP(field: [0xFF, 0x00, 0x39] + Array("000001".utf8), digits: 6))
    #expect(field.password == [0xFF, 0x00, 0x39])
    #expect(field.code == "000001")
}

@Test(arguments: ["123456", "12345", "", "password12345a", "password 12345", "pw１２３４５６"])
func passwordWithTOTP_withoutPasswordOrDigits_isRefused(text: String) {
    #expect(PasswordWithTOTP(field: Array(text.utf8), digits: 6) == nil)
}

@Test func passwordWithTOTP_invalidDigitCount_isRefused() {
    #expect(PasswordWithTOTP(field: Array("password12345".utf8), digits: 5) == nil)
    #expect(PasswordWithTOTP(field: Array("password123456789".utf8), digits: 9) == nil)
}

@Test func passwordWithTOTP_descriptionIsRedacted() throws {
    let field = try #require(PasswordWithTOTP(field: Array("hunter2123456".utf8), digits: 6))
    #expect(!"\(field)".contains("hunter2"))
    #expect(!String(reflecting: field).contains("hunter2"))
    #expect(!String(reflecting: field).contains("123456"))
}
