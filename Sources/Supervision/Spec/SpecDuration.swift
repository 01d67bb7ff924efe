/// Reads and writes the durations of spec files: `250ms`, `5s`, `2m`, `1h`, or bare seconds.
///
/// Parsing is exact decimal arithmetic, never a trap: any text either yields a duration in
/// `0...maximum` or a reason why not.
public enum SpecDuration {
    /// Longest duration a spec may ask for; anything longer is surely a typo.
    static let maximum = Duration.seconds(365 * 24 * 3600)

    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// The duration `text` names, or why it names none (a message for the spec's author).
    static func parse(_ text: String) -> Result<Duration, Reason> {
        if text.hasPrefix("-") { return .failure(.negative) }
        var number = Substring(text)
        var unit: Int64 = 1_000_000_000
        // "ms" is tried before "s" and "m", which it ends and starts with.
        for (suffix, nanoseconds) in units where number.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            unit = nanoseconds
            break
        }
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else {
            return .failure(.malformed)
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || (!fraction.isEmpty && fraction.allSatisfy(\.isASCIIDigit)) else {
            return .failure(.malformed)
        }
        let maximumNanoseconds = nanoseconds(maximum)
        let significant = whole.drop { $0 == "0" }
        // Beyond 18 digits Int64 could overflow; such numbers are far past the maximum anyway.
        guard significant.count <= 18, let wholeValue = Int64(significant.isEmpty ? "0" : significant),
              wholeValue <= maximumNanoseconds / unit
        else { return .failure(.tooLong) }
        var total = wholeValue * unit
        let fractionDigits = fraction.prefix(9)
        if !fractionDigits.isEmpty, let fractionValue = Int64(fractionDigits) {
            var scale: Int64 = 1
            for _ in 0..<fractionDigits.count { scale *= 10 }
            // unit ≤ 3.6e12 and fractionValue < 1e9: split to stay far from Int64's range.
            total += (unit / scale) * fractionValue + (unit % scale) * fractionValue / scale
        }
        guard total <= maximumNanoseconds else { return .failure(.tooLong) }
        return .success(.nanoseconds(total))
    }

    /// Why a text is not a duration.
    enum Reason: Error, Equatable {
        case malformed, negative, tooLong

        var message: String {
            switch self {
            case .malformed: "expected a duration such as 250ms, 5s, 2m, 1h or a number of seconds"
            case .negative: "a duration cannot be negative"
            case .tooLong: "a duration cannot exceed 365 days"
            }
        }
    }

    /// The shortest spec spelling of `duration` (`1h`, `90s`, `250ms`); sub-millisecond
    /// remainders, which a spec can write but rarely does, show as seconds with decimals.
    public static func format(_ duration: Duration) -> String {
        let total = nanoseconds(duration)
        if total == 0 { return "0s" }
        let second: Int64 = 1_000_000_000
        if total % (3600 * second) == 0 { return "\(total / (3600 * second))h" }
        if total % (60 * second) == 0 { return "\(total / (60 * second))m" }
        if total % second == 0 { return "\(total / second)s" }
        if total % 1_000_000 == 0 { return "\(total / 1_000_000)ms" }
        var fraction = String(total % second)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(total / second).\(fraction)s"
    }

    /// Whole nanoseconds in `duration`, saturating rather than trapping on huge values.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return sum
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
