import Testing
@testable import CastellanAuth

@Test(arguments: ["devices/%u/#", "%u", "%c/%u", "a/+/%c/#", "plain/topic", "$SYS/#"])
func aclPattern_validPattern_isAccepted(_ text: String) throws {
    #expect(try ACLPattern(text).rawValue == text)
}

@Test(arguments: ["a%u", "%ub", "a/%x/b", "50%", "%", "%%u", "a/%U"])
func aclPattern_percentThatIsNotAWholeToken_isRefused(_ text: String) {
    #expect(throws: ACLPatternError.misplacedToken) { try ACLPattern(text) }
}

@Test func aclPattern_breakingFilterRules_isRefused() {
    #expect(throws: ACLPatternError.invalidFilter(.misplacedWildcard)) { try ACLPattern("a/#/%u") }
    #expect(throws: ACLPatternError.invalidFilter(.empty)) { try ACLPattern("") }
    #expect(throws: ACLPatternError.invalidFilter(.containsNUL)) { try ACLPattern("a/\u{0}") }
}

@Test func aclPattern_limits_areEnforced() {
    #expect(throws: ACLPatternError.tooLong) { try ACLPattern(String(repeating: "a", count: ACLPattern.maxLength + 1)) }
    #expect(throws: ACLPatternError.tooManyTokens) { try ACLPattern("%u/%u/%u/%c/%c") }
    #expect(throws: ACLPatternError.sharedSubscriptionPattern) { try ACLPattern("$share/g/a") }
}

@Test func aclPattern_substitution_worstCaseFitsTheWireLimit() throws {
    let longest = String(repeating: "x", count: DeviceID.maxLength)
    let body = String(repeating: "a", count: ACLPattern.maxLength - 4 * 3)
    let pattern = try ACLPattern("%u/%u/%c/%c" + "/" + body.dropFirst(1))
    let id = try DeviceID(longest)
    let filter = try #require(pattern.resolve(username: id, clientID: id))
    #expect(filter.bytes.count <= ClientACL.maxFilterLength)
}

@Test func aclRule_fromWords_parsesAndRefusesUnknownWords() throws {
    let rule = try ACLRule(effect: "deny", access: "all", pattern: "a/#")
    #expect(rule.effect == .deny && rule.access == .all)
    #expect(throws: ACLRuleError.unknownEffect) { try ACLRule(effect: "permit", access: "all", pattern: "a") }
    #expect(throws: ACLRuleError.unknownAccess) { try ACLRule(effect: "allow", access: "write", pattern: "a") }
    #expect(throws: ACLRuleError.invalidPattern(.misplacedToken)) { try ACLRule(effect: "allow", access: "all", pattern: "a%u") }
    #expect(throws: ACLRuleError.noAccess) { try ACLRule(.allow, [], ACLPattern("a")) }
}

@Test func aclPattern_combiningMarkAfterSlash_stillSplitsLevelsByBytes() throws {
    // "/\u{301}" is one grapheme cluster; the broker still sees a level boundary there.
    #expect(throws: ACLPatternError.sharedSubscriptionPattern) { try ACLPattern("$share/\u{301}g/a") }
    let pattern = try ACLPattern("a/\u{301}/%u")
    let filter = try #require(pattern.resolve(username: DeviceID("dev1"), clientID: nil))
    #expect(Array(filter.rawValue.utf8) == Array("a/\u{301}/dev1".utf8))
}
