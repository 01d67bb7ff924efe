/// One connection's ACL: the device's rules with `%u`/`%c` already substituted.
///
/// This is what the service sends the broker plugin at connect time (see ``encode()`` and
/// docs/acl-format.md) and what the plugin evaluates for every message with no round trip.
/// The empty rule set denies everything.
///
/// Matching per access:
/// - publish and receive: the topic name must be matched by the rule's filter (MQTT 5 §4.7).
/// - subscribe: `$share/<g>/<filter>` is judged as `<filter>`. An allow rule grants only if its
///   filter *covers* the whole subscription (every topic the subscription could receive is
///   matched by the rule: `devices/dev1/#` is covered by `devices/dev1/#`, `devices/#` is not).
///   A deny rule refuses if its filter *overlaps* the subscription (some topic could match
///   both), so a subscription can never be a way around a deny.
/// - publish to a topic whose first level is `$SYS` or `$CONTROL` is refused before any rule.
public struct ClientACL: Sendable, Hashable {
    /// The most rules one client may hold (also the serialized format's bound).
    public static let maxRules = 128
    /// The longest substituted filter, in bytes: ``ACLPattern/maxLength`` plus
    /// ``ACLPattern/maxTokens`` identities of ``DeviceID/maxLength`` bytes.
    public static let maxFilterLength = ACLPattern.maxLength + ACLPattern.maxTokens * DeviceID.maxLength

    /// A rule with a concrete filter.
    public struct Rule: Sendable, Hashable {
        /// Grant or refuse.
        public let effect: ACLEffect
        /// Accesses it applies to; never empty.
        public let access: ACLAccessSet
        /// The concrete topic filter.
        public let filter: TopicFilter

        init(effect: ACLEffect, access: ACLAccessSet, filter: TopicFilter) {
            self.effect = effect
            self.access = access
            self.filter = filter
        }
    }

    /// The rules, in order (order has no effect on decisions).
    public let rules: [Rule]

    /// The hot-path copy of `rules`: every filter in one buffer and plain-value headers, so a
    /// check touches no reference counts per rule.
    private let filterBytes: [UInt8]
    private let compiled: [CompiledRule]

    private struct CompiledRule: Sendable, Hashable {
        let effect: ACLEffect
        let access: UInt8
        let start: Int
        let end: Int
    }

    /// The rule set that refuses every request.
    public static let denyAll = ClientACL(uncheckedRules: [])

    init(uncheckedRules rules: [Rule]) {
        self.rules = rules
        var bytes: [UInt8] = []
        var compiled: [CompiledRule] = []
        compiled.reserveCapacity(rules.count)
        for rule in rules {
            let start = bytes.count
            bytes.append(contentsOf: rule.filter.bytes)
            compiled.append(CompiledRule(effect: rule.effect, access: rule.access.rawValue, start: start, end: bytes.count))
        }
        self.filterBytes = bytes
        self.compiled = compiled
    }

    /// Decides one request; `false` for anything malformed.
    public func check(topic: String, access: ACLAccess) -> Bool {
        var topic = topic
        return topic.withUTF8 { check(topicBytes: $0, access: access) }
    }

    /// The byte-level decision, shared by ``check(topic:access:)`` and the benchmarks.
    func check(topicBytes topic: UnsafeBufferPointer<UInt8>, access: ACLAccess) -> Bool {
        switch access {
        case .publish:
            guard TopicSyntax.validateName(topic) == nil else { return false }
            if TopicSyntax.firstLevel(of: topic, is: "$SYS") || TopicSyntax.firstLevel(of: topic, is: "$CONTROL") {
                return false
            }
            return evaluate(access) { TopicSyntax.matches(filter: $0, topic: topic) }
        case .receive:
            guard TopicSyntax.validateName(topic) == nil else { return false }
            return evaluate(access) { TopicSyntax.matches(filter: $0, topic: topic) }
        case .subscribe:
            guard case .success(let range) = TopicSyntax.subscriptionFilterRange(topic) else { return false }
            let filter = UnsafeBufferPointer(rebasing: topic[range])
            guard TopicSyntax.validateFilter(filter) == nil else { return false }
            return evaluate(access) { rule, effect in
                effect == .allow
                    ? TopicSyntax.covers(pattern: rule, filter: filter)
                    : TopicSyntax.overlaps(rule, filter)
            }
        }
    }

    @inline(__always)
    private func evaluate(_ access: ACLAccess, _ matches: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        evaluate(access) { filter, _ in matches(filter) }
    }

    @inline(__always)
    private func evaluate(
        _ access: ACLAccess, _ matches: (UnsafeBufferPointer<UInt8>, ACLEffect) -> Bool
    ) -> Bool {
        filterBytes.withUnsafeBufferPointer { bytes in
            compiled.withUnsafeBufferPointer { rules in
                var allowed = false
                for rule in rules where rule.access & access.rawValue != 0 {
                    // Once allowed, only deny rules can change the outcome.
                    if allowed, rule.effect == .allow { continue }
                    guard matches(UnsafeBufferPointer(rebasing: bytes[rule.start..<rule.end]), rule.effect) else { continue }
                    if rule.effect == .deny { return false }
                    allowed = true
                }
                return allowed
            }
        }
    }
}
