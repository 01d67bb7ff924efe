import Testing
@testable import CastellanAuth

private func deviceACL() throws -> ClientACL {
    try ACLRuleSet.device(adding: [ACLRule(effect: "deny", access: "publish", pattern: "devices/%u/ro/#")])
        .resolve(username: "dev1", clientID: "dev1")
}

@Test func clientACLEncoding_defaultDeviceRules_haveTheDocumentedBytes() throws {
    let bytes = try ACLRuleSet.device(adding: []).resolve(username: "dev1", clientID: "dev1").encode()
    let filter = Array("devices/dev1/#".utf8)
    #expect(bytes == [0x01, 0x00, 0x01, 0x01, 0x07, 0x00, UInt8(filter.count)] + filter)
}

@Test func clientACLEncoding_roundTrips() throws {
    let acl = try deviceACL()
    #expect(try ClientACL.decode(acl.encode()) == acl)
    #expect(try ClientACL.decode(ClientACL.denyAll.encode()) == .denyAll)
    #expect(ClientACL.denyAll.encode() == [0x01, 0x00, 0x00])
}

@Test func clientACLDecode_everyTruncation_isRefusedAsTruncated() throws {
    let bytes = try deviceACL().encode()
    for length in 0..<bytes.count {
        #expect(throws: ACLFormatError.truncated) { try ClientACL.decode(Array(bytes.prefix(length))) }
    }
}

@Test func clientACLDecode_strictFields_areRefusedWithTypedErrors() throws {
    let good = try deviceACL().encode()
    func with(_ index: Int, _ value: UInt8) -> [UInt8] {
        var copy = good
        copy[index] = value
        return copy
    }
    #expect(throws: ACLFormatError.unsupportedVersion(2)) { try ClientACL.decode(with(0, 2)) }
    #expect(throws: ACLFormatError.unsupportedVersion(0)) { try ClientACL.decode(with(0, 0)) }
    #expect(throws: ACLFormatError.tooManyRules(0x0100 + 2)) { try ClientACL.decode(with(1, 1)) }
    #expect(throws: ACLFormatError.invalidEffect(2)) { try ClientACL.decode(with(3, 2)) }
    #expect(throws: ACLFormatError.invalidAccess(0)) { try ClientACL.decode(with(4, 0)) }
    #expect(throws: ACLFormatError.invalidAccess(0x08)) { try ClientACL.decode(with(4, 0x08)) }
    #expect(throws: ACLFormatError.invalidAccess(0x87)) { try ClientACL.decode(with(4, 0x87)) }
    #expect(throws: ACLFormatError.invalidFilterLength(0)) { try ClientACL.decode([1, 0, 1, 1, 1, 0, 0]) }
    #expect(throws: ACLFormatError.invalidFilterLength(ClientACL.maxFilterLength + 1)) {
        try ClientACL.decode([1, 0, 1, 1, 1, 0x04, 0x01] + Array(repeating: 0x61, count: 1025))
    }
    #expect(throws: ACLFormatError.trailingBytes(1)) { try ClientACL.decode(good + [0]) }
    #expect(throws: ACLFormatError.invalidFilter(.invalidUTF8)) { try ClientACL.decode([1, 0, 1, 1, 1, 0, 1, 0xFF]) }
    #expect(throws: ACLFormatError.invalidFilter(.containsNUL)) { try ClientACL.decode([1, 0, 1, 1, 1, 0, 1, 0x00]) }
    #expect(throws: ACLFormatError.invalidFilter(.misplacedWildcard)) { try ClientACL.decode([1, 0, 1, 1, 1, 0, 2, 0x23, 0x61]) }
}

@Test func clientACLDecode_ruleCountAboveLimit_isRefusedBeforeReadingRules() {
    #expect(throws: ACLFormatError.tooManyRules(ClientACL.maxRules + 1)) {
        try ClientACL.decode([1, 0, UInt8(ClientACL.maxRules + 1)])
    }
}

@Test func clientACLDecode_maximalRuleSet_isAccepted() throws {
    let filter = [UInt8](repeating: 0x61, count: ClientACL.maxFilterLength)
    var bytes: [UInt8] = [1, 0, UInt8(ClientACL.maxRules)]
    for _ in 0..<ClientACL.maxRules { bytes += [1, 7, UInt8(filter.count >> 8), UInt8(filter.count & 0xFF)] + filter }
    let acl = try ClientACL.decode(bytes)
    #expect(acl.rules.count == ClientACL.maxRules)
    #expect(acl.encode() == bytes)
}
