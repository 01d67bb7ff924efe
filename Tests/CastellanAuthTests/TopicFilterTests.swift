import Testing
@testable import CastellanAuth

@Test(arguments: ["a", "a/b", "/", "a//b", "a/", "/a", "$SYS/x", "+", "#", "a/+/b", "a/#", "+/+", "sport/tennis/+/#"])
func topicFilter_validFilter_isAccepted(_ text: String) throws {
    #expect(try TopicFilter(text).rawValue == text)
}

@Test(arguments: [
    ("", TopicError.empty), ("a/#/b", .misplacedWildcard), ("a#", .misplacedWildcard), ("#a", .misplacedWildcard),
    ("a+/b", .misplacedWildcard), ("a/+b", .misplacedWildcard), ("++", .misplacedWildcard), ("a\u{0}b", .containsNUL),
])
func topicFilter_invalidFilter_isRefusedWithTheBrokenRule(_ text: String, _ error: TopicError) {
    #expect(throws: error) { try TopicFilter(text) }
}

@Test func topicFilter_overMaximumLength_isRefused() {
    #expect(throws: TopicError.tooLong) { try TopicFilter(String(repeating: "a", count: 65_536)) }
    #expect(throws: TopicError.tooLong) { try TopicFilter("abcd", maxLength: 3) }
}

@Test(arguments: [("a+", TopicError.wildcardInTopicName), ("#", .wildcardInTopicName), ("", .empty), ("\u{0}", .containsNUL)])
func topicName_invalidName_isRefused(_ text: String, _ error: TopicError) {
    #expect(throws: error) { try TopicName(text) }
}

@Test func topicFilter_subscription_unwrapsSharedSubscriptions() throws {
    #expect(try TopicFilter(subscription: "$share/g/a/#").rawValue == "a/#")
    #expect(try TopicFilter(subscription: "a/b").rawValue == "a/b")
    #expect(try TopicFilter(subscription: "$share").rawValue == "$share")
    for bad in ["$share/", "$share/g", "$share/g/", "$share//a", "$share/+/a", "$share/#/a"] {
        #expect(throws: TopicError.self) { try TopicFilter(subscription: bad) }
    }
}

@Test(arguments: [
    ("sport/tennis/player1/#", "sport/tennis/player1", true),
    ("sport/tennis/player1/#", "sport/tennis/player1/ranking/wimbledon", true),
    ("sport/#", "sport", true),
    ("sport/+", "sport", false),
    ("sport/+", "sport/", true),
    ("+/+", "/finance", true),
    ("/+", "/finance", true),
    ("+", "/finance", false),
    ("#", "$SYS/x", false),
    ("+/monitor/Clients", "$SYS/monitor/Clients", false),
    ("$SYS/#", "$SYS/monitor/Clients", true),
    ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
    ("a/b", "a/b/", false),
    ("a/b/", "a/b/", true),
])
func topicFilter_matches_followsMQTT5Section47(_ filter: String, _ topic: String, _ expected: Bool) throws {
    #expect(try TopicFilter(filter).matches(TopicName(topic)) == expected)
}

@Test(arguments: [
    ("devices/dev1/#", "devices/dev1/#", true),
    ("devices/dev1/#", "devices/#", false),
    ("devices/+/#", "devices/dev1/+", true),
    ("a/+", "a/#", false),
    ("a/#", "a", true),
    ("a/b", "a/b/#", false),
    ("#", "$SYS/#", false),
    ("+/#", "#", false),
    ("$SYS/#", "$SYS/+", true),
])
func topicFilter_covers_isSoundFilterInclusion(_ pattern: String, _ filter: String, _ expected: Bool) throws {
    #expect(try TopicFilter(pattern).covers(TopicFilter(filter)) == expected)
}

@Test(arguments: [
    ("a/b", "a/+", true), ("a/b", "a/c", false), ("a", "a/#", true), ("a", "a/+", false),
    ("#", "$SYS/x", false), ("+/x", "$SYS/x", false), ("$SYS/#", "$SYS/x", true), ("+", "#", true),
    ("a/+/c", "a/b/+", true), ("a/+/c", "a/b/d", false),
])
func topicFilter_overlaps_isSymmetric(_ a: String, _ b: String, _ expected: Bool) throws {
    let (x, y) = (try TopicFilter(a), try TopicFilter(b))
    #expect(x.overlaps(y) == expected)
    #expect(y.overlaps(x) == expected)
}

/// Brute-force check of `covers` and `overlaps` against `matches` over a small alphabet of
/// levels: `covers` must never claim inclusion that is false (soundness), and `overlaps` must
/// be exact.
@Test func topicFilter_coversAndOverlaps_agreeWithMatchesOnEveryShortTopic() throws {
    let literalLevels = ["a", "b", "", "$x"]
    var topics: [String] = []
    func build(_ prefix: [String], depth: Int) {
        if !prefix.isEmpty { topics.append(prefix.joined(separator: "/")) }
        guard depth > 0 else { return }
        for level in literalLevels { build(prefix + [level], depth: depth - 1) }
    }
    build([], depth: 3)
    let names = topics.compactMap { try? TopicName($0) }
    var filters: [TopicFilter] = []
    func buildFilters(_ prefix: [String], depth: Int) {
        if !prefix.isEmpty, let filter = try? TopicFilter(prefix.joined(separator: "/")) { filters.append(filter) }
        guard depth > 0 else { return }
        for level in ["a", "", "$x", "+", "#"] { buildFilters(prefix + [level], depth: depth - 1) }
    }
    buildFilters([], depth: 3)
    for p in filters {
        for f in filters {
            let fTopics = names.filter { f.matches($0) }
            if p.covers(f) {
                #expect(fTopics.allSatisfy { p.matches($0) }, "\(p) claims to cover \(f)")
            }
            let common = fTopics.contains { p.matches($0) }
            // Topics here are at most 3 levels; a shared topic for deeper filters may need more.
            if common { #expect(p.overlaps(f), "\(p) and \(f) share a topic but do not overlap") }
        }
    }
}
