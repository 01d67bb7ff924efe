/// A parsed IPv4 or IPv6 address, as 128 bits (IPv4 held in its IPv4-mapped IPv6 form).
///
/// Just enough parsing to normalise the textual addresses the broker reports and to
/// match trusted networks; anything unexpected yields `nil` rather than a guess.
struct IPAddress: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 (with `::`, an embedded IPv4 tail, and an
    /// optional `%zone`, which is ignored).
    init?(parsing text: String) {
        // IPv4 first, straight from the string's bytes: every connect's address is parsed (the
        // rate limit), and the copy and split this took were a third of taking the limit.
        if let v4 = Self.parseIPv4(text.utf8) {
            self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(v4))
            return
        }
        let bytes = Array(text.utf8)
        let unzoned = bytes.firstIndex(of: UInt8(ascii: "%")).map { bytes[..<$0] } ?? bytes[...]
        guard let groups = Self.parseIPv6(unzoned) else { return nil }
        self.init(high: groups[0..<4].reduce(0) { $0 << 16 | UInt64($1) }, low: groups[4..<8].reduce(0) { $0 << 16 | UInt64($1) })
    }

    private init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Whether the address lies in `network`/`prefixLength` (both in this 128-bit form).
    func isIn(_ network: IPAddress, prefixLength: Int) -> Bool {
        let length = min(max(prefixLength, 0), 128)
        let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : .max << (64 - length))
        let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : .max << (128 - length))
        return high & highMask == network.high & highMask && low & lowMask == network.low & lowMask
    }

    /// Whether this is an IPv4 address (in its IPv4-mapped form).
    var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The lockout key: dotted IPv4, or the IPv6 /64 prefix as `xxxx:xxxx:xxxx:xxxx::/64`.
    var lockoutSource: String {
        if isIPv4 {
            return [24, 16, 8, 0].map { String((low >> UInt64($0)) & 0xFF) }.joined(separator: ".")
        }
        return [48, 32, 16, 0].map { String((high >> UInt64($0)) & 0xFFFF, radix: 16) }.joined(separator: ":") + "::/64"
    }

    /// Four dot-separated decimal octets, 1–3 digits each, at most 255.
    private static func parseIPv4(_ bytes: some Collection<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, dots) = (0, 0, dots + 1)
            } else {
                guard (0x30...0x39).contains(byte), digits < 3 else { return nil }
                octet = octet * 10 + UInt32(byte - 0x30)
                digits += 1
                guard octet <= 255 else { return nil }
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    private static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> [UInt16]? {
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        let colon = UInt8(ascii: ":")
        guard let gap = bytes.indices.dropLast().first(where: { bytes[$0] == colon && bytes[$0 + 1] == colon }) else {
            guard let groups = parseGroups(bytes, allowIPv4Tail: true), groups.count == 8 else { return nil }
            return groups
        }
        guard let head = parseGroups(bytes[..<gap], allowIPv4Tail: false),
              let tail = parseGroups(bytes[(gap + 2)...], allowIPv4Tail: true),
              head.count + tail.count <= 7
        else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    /// Colon-separated hex groups (1–4 digits each); a second `::` shows up as an empty group and fails.
    private static func parseGroups(_ bytes: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> [UInt16]? {
        if bytes.isEmpty { return [] }
        let parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowIPv4Tail, part.contains(UInt8(ascii: ".")) {
                guard let v4 = parseIPv4(part) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                continue
            }
            guard (1...4).contains(part.count) else { return nil }
            var group: UInt16 = 0
            for byte in part {
                guard let digit = hexValue(byte) else { return nil }
                group = group << 4 | UInt16(digit)
            }
            groups.append(group)
        }
        return groups
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
