import Foundation
import Testing
@testable import CastellanAuth

/// One row of Tests/Fixtures/acl-cases.json (schema described in docs/acl-format.md).
struct ACLCase: Codable, Sendable, CustomTestStringConvertible {
    struct Rule: Codable, Sendable {
        let effect: String
        let access: String
        let pattern: String
    }

    let name: String
    let rules: [Rule]
    let default_rules: Bool
    let username: String?
    let clientid: String?
    let access: String
    let topic: String
    let expected: String
    let encoded: String?

    var testDescription: String { name }

    func ruleSet() throws -> ACLRuleSet {
        let stored = try rules.map { try ACLRule(effect: $0.effect, access: $0.access, pattern: $0.pattern) }
        return default_rules ? try ACLRuleSet.device(adding: stored) : try ACLRuleSet(rules: stored)
    }

    func parsedAccess() throws -> ACLAccess { try #require(ACLAccess(keyword: access)) }
}

struct ACLCaseFile: Codable, Sendable {
    let schema: Int
    let cases: [ACLCase]

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/acl-cases.json")

    static func load() throws -> ACLCaseFile {
        try JSONDecoder().decode(ACLCaseFile.self, from: Data(contentsOf: url))
    }
}

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

private func unhex(_ text: String) throws -> [UInt8] {
    let digits = Array(text.utf8)
    try #require(digits.count % 2 == 0)
    return try stride(from: 0, to: digits.count, by: 2).map { i in
        try #require(UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16))
    }
}

@Test func aclCaseTable_hasAtLeast80UniquelyNamedCasesCoveringTheRequiredEdges() throws {
    let file = try ACLCaseFile.load()
    #expect(file.schema == 1)
    #expect(file.cases.count >= 80)
    #expect(Set(file.cases.map(\.name)).count == file.cases.count)
    let topics = file.cases.map(\.topic)
    for needle in ["$share/", "$SYS", "$CONTROL", "//"] {
        #expect(topics.contains { $0.contains(needle) }, "no case with \(needle)")
    }
    #expect(topics.contains { $0.hasSuffix("/") })
    #expect(file.cases.contains { ["#", "+", "a/b"].contains($0.username) || ["#", "+", "x/y"].contains($0.clientid) })
    #expect(file.cases.contains { $0.expected == "allow" } && file.cases.contains { $0.expected == "deny" })
}

@Test(arguments: try ACLCaseFile.load().cases)
func aclCaseTable_caseDecidesAsExpected_inSwiftAndThroughTheWireForm(_ testCase: ACLCase) throws {
    let ruleSet = try testCase.ruleSet()
    let access = try testCase.parsedAccess()
    let expected = testCase.expected == "allow"
    #expect(["allow", "deny"].contains(testCase.expected))

    #expect(ruleSet.check(topic: testCase.topic, access: access, username: testCase.username, clientID: testCase.clientid) == expected)

    let resolved = ruleSet.resolve(username: testCase.username, clientID: testCase.clientid)
    let wire = resolved.encode()
    #expect(testCase.encoded == hex(wire), "encoded form drifted; regenerate with CASTELLAN_REGENERATE_ACL_CASES=1")
    let decoded = try ClientACL.decode(try unhex(testCase.encoded ?? ""))
    #expect(decoded == resolved)
    #expect(decoded.check(topic: testCase.topic, access: access) == expected)
}

/// Rewrites the table with each case's `encoded` field filled in, one case per line, when
/// `CASTELLAN_REGENERATE_ACL_CASES=1`. Otherwise it only checks the file is in that canonical form.
@Test func aclCaseTable_isInCanonicalForm() throws {
    let file = try ACLCaseFile.load()
    var lines: [String] = []
    for testCase in file.cases {
        let resolved = try testCase.ruleSet().resolve(username: testCase.username, clientID: testCase.clientid)
        func json(_ value: Any) throws -> String {
            let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
        let rules = try testCase.rules.map { rule in
            "{\"effect\": \(try json(rule.effect)), \"access\": \(try json(rule.access)), \"pattern\": \(try json(rule.pattern))}"
        }
        let fields: [(String, String)] = [
            ("name", try json(testCase.name)),
            ("rules", "[" + rules.joined(separator: ", ") + "]"),
            ("default_rules", testCase.default_rules ? "true" : "false"),
            ("username", try testCase.username.map(json) ?? "null"),
            ("clientid", try testCase.clientid.map(json) ?? "null"),
            ("access", try json(testCase.access)),
            ("topic", try json(testCase.topic)),
            ("expected", try json(testCase.expected)),
            ("encoded", try json(hex(resolved.encode()))),
        ]
        lines.append("    {" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }
    let canonical = "{\n  \"schema\": 1,\n  \"cases\": [\n" + lines.joined(separator: ",\n") + "\n  ]\n}\n"
    if ProcessInfo.processInfo.environment["CASTELLAN_REGENERATE_ACL_CASES"] == "1" {
        try Data(canonical.utf8).write(to: ACLCaseFile.url)
    }
    #expect(try String(contentsOf: ACLCaseFile.url, encoding: .utf8) == canonical)
}
