import Testing
@testable import CastellanAuth

private func rule(_ effect: String, _ access: String, _ pattern: String) throws -> ACLRule {
    try ACLRule(effect: effect, access: access, pattern: pattern)
}

@Test func aclRuleSet_deviceDefault_isDevicesIdentityHashForEveryAccess() throws {
    let rules = ACLRuleSet.deviceDefaultRules
    #expect(rules.count == 1)
    #expect(rules.first?.pattern.rawValue == "devices/%u/#")
    #expect(rules.first?.access == .all && rules.first?.effect == .allow)
}

@Test func aclRuleSet_resolve_substitutesSafeIdentities() throws {
    let set = try ACLRuleSet(rules: [rule("allow", "publish", "site/%u/%c/#")])
    let resolved = set.resolve(username: "dev1", clientID: "c1")
    #expect(resolved.rules.map(\.filter.rawValue) == ["site/dev1/c1/#"])
}

@Test func aclRuleSet_resolve_dropsAllowRuleWithUnsafeValue() throws {
    let set = try ACLRuleSet.device(adding: [rule("allow", "publish", "shared/#")])
    let resolved = set.resolve(username: "dev/1", clientID: "dev1")
    #expect(resolved.rules.map(\.filter.rawValue) == ["shared/#"])
}

@Test func aclRuleSet_resolve_denyRuleWithUnsafeValue_deniesEverything() throws {
    let set = try ACLRuleSet.device(adding: [rule("deny", "publish", "secret/%c/#"), rule("allow", "all", "#")])
    let resolved = set.resolve(username: "dev1", clientID: "bad+id")
    #expect(resolved == .denyAll)
    #expect(!resolved.check(topic: "devices/dev1/x", access: .publish))
}

@Test func aclRuleSet_tooManyRules_isRefused() throws {
    let many = try Array(repeating: rule("allow", "all", "a"), count: ClientACL.maxRules)
    #expect(throws: ACLRuleError.tooManyRules) { try ACLRuleSet.device(adding: many) }
    #expect(try ACLRuleSet(rules: many).rules.count == ClientACL.maxRules)
}

@Test func clientACL_emptyRuleSet_deniesEveryAccess() {
    for access in ACLAccess.allCases {
        #expect(!ClientACL.denyAll.check(topic: "a", access: access))
    }
}

@Test func aclAccess_keywords_roundTrip() {
    for access in ACLAccess.allCases { #expect(ACLAccess(keyword: access.description) == access) }
    #expect(ACLAccessSet(keyword: "all") == .all)
    #expect(ACLAccessSet(keyword: "publish") == .publish)
    #expect(ACLAccessSet(keyword: "bogus") == nil)
    #expect(ACLAccess(keyword: "all") == nil)
}
