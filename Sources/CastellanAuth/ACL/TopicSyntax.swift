/// Byte-level MQTT 5 §4.7 rules shared by every topic type.
///
/// Everything works on UTF-8 bytes so the ACL hot path allocates nothing and so the C plugin
/// can mirror each function line by line (docs/acl-format.md describes the same algorithms).
enum TopicSyntax {
    static let slash: UInt8 = 0x2F
    static let plus: UInt8 = 0x2B
    static let hash: UInt8 = 0x23
    static let dollar: UInt8 = 0x24

    /// The longest MQTT UTF-8 string.
    static let maxLength = 65_535

    /// Checks a topic name: non-empty, bounded, no NUL, no wildcard.
    static func validateName(_ bytes: UnsafeBufferPointer<UInt8>, maxLength: Int = maxLength) -> TopicError? {
        guard !bytes.isEmpty else { return .empty }
        guard bytes.count <= maxLength else { return .tooLong }
        for byte in bytes {
            switch byte {
            case 0: return .containsNUL
            case plus, hash: return .wildcardInTopicName
            default: continue
            }
        }
        return nil
    }

    /// Checks a topic filter: non-empty, bounded, no NUL, `+` and `#` alone in their level, `#` last.
    static func validateFilter(_ bytes: UnsafeBufferPointer<UInt8>, maxLength: Int = maxLength) -> TopicError? {
        guard !bytes.isEmpty else { return .empty }
        guard bytes.count <= maxLength else { return .tooLong }
        var levelStart = 0
        for index in 0..<bytes.count {
            switch bytes[index] {
            case 0:
                return .containsNUL
            case slash:
                levelStart = index + 1
            case plus:
                let levelEnd = index + 1
                guard index == levelStart, levelEnd == bytes.count || bytes[levelEnd] == slash else {
                    return .misplacedWildcard
                }
            case hash:
                guard index == levelStart, index + 1 == bytes.count else { return .misplacedWildcard }
            default:
                continue
            }
        }
        return nil
    }

    /// Walks the levels of a topic or filter. An empty topic level is a real level, and a
    /// trailing `/` yields one more (empty) level, exactly as §4.7.1.1 requires.
    struct Levels {
        private let bytes: UnsafeBufferPointer<UInt8>
        private var position = 0
        private var exhausted = false

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func next() -> Range<Int>? {
            guard !exhausted else { return nil }
            var end = position
            while end < bytes.count, bytes[end] != TopicSyntax.slash { end += 1 }
            let level = position..<end
            if end < bytes.count { position = end + 1 } else { exhausted = true }
            return level
        }
    }

    @inline(__always)
    static func isSingle(_ byte: UInt8, _ level: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        level.count == 1 && bytes[level.lowerBound] == byte
    }

    @inline(__always)
    static func startsWithWildcard(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        return first == plus || first == hash
    }

    @inline(__always)
    static func startsWithDollar(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.first == dollar
    }

    @inline(__always)
    static func equal(
        _ a: UnsafeBufferPointer<UInt8>, _ aLevel: Range<Int>,
        _ b: UnsafeBufferPointer<UInt8>, _ bLevel: Range<Int>
    ) -> Bool {
        guard aLevel.count == bLevel.count else { return false }
        var i = aLevel.lowerBound, j = bLevel.lowerBound
        while i < aLevel.upperBound {
            if a[i] != b[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    /// Does `filter` match the topic name `topic` (§4.7)?
    ///
    /// `#` matches its parent level and any number of children (`sport/#` matches `sport`);
    /// `+` matches exactly one level, which may be empty; a filter whose first character is a
    /// wildcard never matches a topic that starts with `$` (§4.7.2).
    ///
    /// One pass over both buffers with no level bookkeeping, since this runs for every message.
    /// Expects a valid filter (wildcards fill whole levels, `#` last).
    static func matches(filter: UnsafeBufferPointer<UInt8>, topic: UnsafeBufferPointer<UInt8>) -> Bool {
        if startsWithDollar(topic), startsWithWildcard(filter) { return false }
        let filterCount = filter.count, topicCount = topic.count
        var f = 0, t = 0
        var topicDone = false
        while true {
            // Here f and t each start a level (f may equal filterCount: an empty last level).
            if f < filterCount, filter[f] == hash { return true }
            if topicDone { return false }
            if f < filterCount, filter[f] == plus {
                f += 1
                while t < topicCount, topic[t] != slash { t += 1 }
            } else {
                while f < filterCount, filter[f] != slash {
                    guard t < topicCount, topic[t] == filter[f] else { return false }
                    f += 1
                    t += 1
                }
                if t < topicCount, topic[t] != slash { return false }
            }
            // Both stand at the end of a level.
            if t == topicCount { topicDone = true } else { t += 1 }
            if f == filterCount { return topicDone }
            f += 1
        }
    }

    /// Does every topic that `filter` can match also match `pattern`? (filter-covers-filter)
    ///
    /// Level by level: a pattern `#` covers whatever is left (including nothing); a pattern `+`
    /// covers one filter level that is a literal or `+` but not `#` (which spans many levels);
    /// a pattern literal covers only the same literal. A filter that runs out of levels first is
    /// covered only if the pattern's remainder is exactly `#` (which matches the parent level).
    /// This is sound but deliberately not complete: `+/#` does not cover `#`, although it would
    /// semantically — refusing such a subscription is the safe side.
    static func covers(pattern: UnsafeBufferPointer<UInt8>, filter: UnsafeBufferPointer<UInt8>) -> Bool {
        // A literal first level starting with `$` means every matched topic starts with `$`,
        // and a pattern starting with a wildcard matches none of those.
        if startsWithWildcard(pattern), startsWithDollar(filter) { return false }
        var patternLevels = Levels(pattern), filterLevels = Levels(filter)
        while let p = patternLevels.next() {
            if isSingle(hash, p, in: pattern) { return true }
            guard let f = filterLevels.next() else { return false }
            if isSingle(hash, f, in: filter) { return false }
            if isSingle(plus, p, in: pattern) { continue }
            if isSingle(plus, f, in: filter) { return false }
            if !equal(pattern, p, filter, f) { return false }
        }
        return filterLevels.next() == nil
    }

    /// Could some topic match both `a` and `b`? Used for deny rules on subscriptions: a
    /// subscription that might receive anything a deny rule forbids is refused as a whole.
    static func overlaps(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if startsWithWildcard(a), startsWithDollar(b) { return false }
        if startsWithWildcard(b), startsWithDollar(a) { return false }
        var aLevels = Levels(a), bLevels = Levels(b)
        while true {
            switch (aLevels.next(), bLevels.next()) {
            case (nil, nil):
                return true
            case (let x?, nil):
                return isSingle(hash, x, in: a)
            case (nil, let y?):
                return isSingle(hash, y, in: b)
            case (let x?, let y?):
                if isSingle(hash, x, in: a) || isSingle(hash, y, in: b) { return true }
                if isSingle(plus, x, in: a) || isSingle(plus, y, in: b) { continue }
                if !equal(a, x, b, y) { return false }
            }
        }
    }

    private static let sharePrefix: [UInt8] = Array("$share/".utf8)

    /// For `$share/<name>/<filter>`, the range of `<filter>`; for any other filter, all of it.
    static func subscriptionFilterRange(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Range<Int>, TopicError> {
        guard bytes.count >= sharePrefix.count,
            zip(bytes, sharePrefix).allSatisfy({ $0 == $1 })
        else { return .success(0..<bytes.count) }
        var index = sharePrefix.count
        let nameStart = index
        while index < bytes.count, bytes[index] != slash {
            switch bytes[index] {
            case plus, hash, 0: return .failure(.invalidSharedSubscription)
            default: index += 1
            }
        }
        guard index > nameStart, index < bytes.count, index + 1 < bytes.count else {
            return .failure(.invalidSharedSubscription)
        }
        return .success((index + 1)..<bytes.count)
    }

    /// Is the first level exactly `name` (so `$SYS` and `$SYS/x` are, `$SYSTEM` is not)?
    static func firstLevel(of bytes: UnsafeBufferPointer<UInt8>, is name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard bytes.count >= count, bytes.count == count || bytes[count] == slash else { return false }
        let start = name.utf8Start
        for i in 0..<count where bytes[i] != start[i] { return false }
        return true
    }
}
