/// Whether two topic filters could match a common topic: the test for "does this deny rule
/// touch what that allow rule grants", used to list rules whose meaning changes.
///
/// Conservative: `%u`/`%c` levels count as `+`, so it may say yes where the substituted rules
/// never meet, never no where they do.
enum TopicOverlap {
    static func mayOverlap(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/", omittingEmptySubsequences: false)
        let y = b.split(separator: "/", omittingEmptySubsequences: false)
        var index = 0
        while true {
            switch (index < x.count, index < y.count) {
            case (false, false): return true
            case (false, true): return y[index] == "#"
            case (true, false): return x[index] == "#"
            case (true, true): break
            }
            let p = x[index], q = y[index]
            if p == "#" || q == "#" { return true }
            guard p == q || isSingleLevelWildcard(p) || isSingleLevelWildcard(q) else { return false }
            index += 1
        }
    }

    private static func isSingleLevelWildcard(_ level: Substring) -> Bool {
        level == "+" || level == "%u" || level == "%c"
    }
}
