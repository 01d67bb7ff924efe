/// The compact wire form the broker plugin evaluates (docs/acl-format.md, version 1):
///
///     u8  version (1)
///     u16 rule count, big-endian, 0…maxRules
///     per rule: u8 effect (0 deny, 1 allow), u8 access bits (1 publish, 2 subscribe, 4 receive),
///               u16 filter length, big-endian, 1…maxFilterLength, then that many UTF-8 bytes
///
/// Filters are already substituted, so the C side needs no `%u`/`%c` logic.
extension ClientACL {
    /// The current format version.
    public static let formatVersion: UInt8 = 1

    /// Serializes the rule set. Never fails: every ``ClientACL`` is within the format's bounds.
    public func encode() -> [UInt8] {
        var out: [UInt8] = [Self.formatVersion, UInt8(truncatingIfNeeded: rules.count >> 8), UInt8(truncatingIfNeeded: rules.count)]
        out.reserveCapacity(3 + rules.reduce(0) { $0 + 4 + $1.filter.bytes.count })
        for rule in rules {
            let length = rule.filter.bytes.count
            out.append(rule.effect.rawValue)
            out.append(rule.access.rawValue)
            out.append(UInt8(truncatingIfNeeded: length >> 8))
            out.append(UInt8(truncatingIfNeeded: length))
            out.append(contentsOf: rule.filter.bytes)
        }
        return out
    }

    /// Parses the wire form, checking every bound; throws the first violation.
    public static func decode(_ bytes: [UInt8]) throws(ACLFormatError) -> ClientACL {
        var reader = ByteReader(bytes)
        let version = try reader.u8()
        guard version == formatVersion else { throw .unsupportedVersion(version) }
        let count = Int(try reader.u16())
        guard count <= maxRules else { throw .tooManyRules(count) }
        var rules: [Rule] = []
        rules.reserveCapacity(count)
        for _ in 0..<count {
            let effectByte = try reader.u8()
            guard let effect = ACLEffect(rawValue: effectByte) else { throw .invalidEffect(effectByte) }
            let accessByte = try reader.u8()
            let access = ACLAccessSet(rawValue: accessByte)
            guard !access.isEmpty, access.isSubset(of: .all) else { throw .invalidAccess(accessByte) }
            let length = Int(try reader.u16())
            guard length >= 1, length <= maxFilterLength else { throw .invalidFilterLength(length) }
            let filterBytes = try reader.bytes(length)
            let filter: TopicFilter
            do { filter = try TopicFilter(bytes: filterBytes, maxLength: maxFilterLength) } catch { throw .invalidFilter(error) }
            rules.append(Rule(effect: effect, access: access, filter: filter))
        }
        guard reader.remaining == 0 else { throw .trailingBytes(reader.remaining) }
        return ClientACL(uncheckedRules: rules)
    }
}

/// A bounds-checked cursor: every read either fits or throws ``ACLFormatError/truncated``.
private struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(ACLFormatError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(ACLFormatError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func bytes(_ count: Int) throws(ACLFormatError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }
}
