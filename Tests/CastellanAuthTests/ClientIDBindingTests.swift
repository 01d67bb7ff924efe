import Testing
import CastellanAuth

private let dev1 = try! DeviceID("dev1")
private let kelvin = try! DeviceID("K1")
private let kelvinSign = "\u{212A}1"   // KELVIN SIGN: canonically equivalent to "K", so equal as Swift Strings, not as bytes

@Test func clientIDBinding_parsesTheThreeModes() throws {
    #expect(try ClientIDBinding(parsing: "equal") == .equal)
    #expect(try ClientIDBinding(parsing: "prefix") == .prefix)
    #expect(try ClientIDBinding(parsing: "any") == .any)
    #expect(ClientIDBinding.default == .equal)
    #expect(ClientIDBinding.prefix.name == "prefix")
    #expect(throws: PolicyError.unknownClientIDBinding()) { try ClientIDBinding(parsing: "Equal") }
    #expect(throws: PolicyError.unknownClientIDBinding()) { try ClientIDBinding(parsing: "") }
}

@Test func clientIDBinding_equal_requiresTheExactIdentity() {
    #expect(ClientIDBinding.equal.permits(clientID: "dev1", for: dev1))
    #expect(!ClientIDBinding.equal.permits(clientID: "dev10", for: dev1))
    #expect(!ClientIDBinding.equal.permits(clientID: "dev1/a", for: dev1))
    #expect(!ClientIDBinding.equal.permits(clientID: "", for: dev1))
    #expect(!ClientIDBinding.equal.permits(clientID: "DEV1", for: dev1))
}

@Test func clientIDBinding_comparesBytesNotUnicodeEquivalence() {
    #expect(kelvinSign == kelvin.rawValue)  // Swift's == would let these through
    #expect(!ClientIDBinding.equal.permits(clientID: kelvinSign, for: kelvin))
    #expect(!ClientIDBinding.prefix.permits(clientID: kelvinSign + "/x", for: kelvin))
    #expect(throws: IdentityError.forbiddenCharacter) { try DeviceID("caf\u{E9}") }  // ids are ASCII: one spelling each
}

@Test func clientIDBinding_prefix_acceptsIdentityAloneOrFollowedBySlashAndASuffix() {
    #expect(ClientIDBinding.prefix.permits(clientID: "dev1", for: dev1))
    #expect(ClientIDBinding.prefix.permits(clientID: "dev1/telemetry", for: dev1))
    #expect(ClientIDBinding.prefix.permits(clientID: "dev1/a/b", for: dev1))
}

@Test(arguments: ["dev10", "dev1-x", "dev1_x", "dev1:x", "dev1/", "dev", "xdev1", "", "/dev1"])
func clientIDBinding_prefix_refusesIDsAnotherIdentityCouldOwn(clientID: String) {
    // Only "/" can separate: identities never contain it, so "dev1/…" cannot collide with another device.
    #expect(!ClientIDBinding.prefix.permits(clientID: clientID, for: dev1))
}

@Test func clientIDBinding_any_acceptsEveryClientID() {
    #expect(ClientIDBinding.any.permits(clientID: "someone-else", for: dev1))
    #expect(ClientIDBinding.any.permits(clientID: "", for: dev1))
}

@Test func usernameCheck_absentOrEqual_isAccepted() {
    #expect(ConnectIdentityCheck.usernameMatches(nil, identity: dev1))
    #expect(ConnectIdentityCheck.usernameMatches("dev1", identity: dev1))
}

@Test(arguments: ["", "dev2", "dev1 ", "Dev1"])
func usernameCheck_otherUsername_isRefused(username: String) {
    #expect(!ConnectIdentityCheck.usernameMatches(username, identity: dev1))
}

@Test func usernameCheck_comparesBytes() {
    #expect(!ConnectIdentityCheck.usernameMatches(kelvinSign, identity: kelvin))
}

@Test func connectCheck_returnsTheFirstBrokenRuleAsADenial() {
    let check = ConnectIdentityCheck(binding: .equal)
    #expect(check.denial(clientID: "dev1", username: nil, identity: dev1) == nil)
    #expect(check.denial(clientID: "dev1", username: "dev1", identity: dev1) == nil)
    #expect(check.denial(clientID: "dev2", username: "dev1", identity: dev1)?.code == "client_id_mismatch")
    #expect(check.denial(clientID: "dev1", username: "dev2", identity: dev1)?.code == "username_mismatch")
    let loose = ConnectIdentityCheck(binding: .any)
    #expect(loose.denial(clientID: "dev2", username: nil, identity: dev1) == nil)
    #expect(loose.denial(clientID: "dev2", username: "x", identity: dev1)?.code == "username_mismatch")
}

@Test func connectCheck_denialDetail_neverEchoesTheClientSuppliedStrings() {
    let check = ConnectIdentityCheck(binding: .equal)
    let denial = check.denial(clientID: "evil\ninjected", username: nil, identity: dev1)
    #expect(denial?.detail.contains("injected") == false)
}
