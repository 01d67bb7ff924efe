import Foundation

/// `castellan_supervisor_restarts_total{path}` read from the admin API's Prometheus text.
public struct RestartCounters: Sendable, Hashable {
    /// Restarts per path.
    public var byPath: [String: Int]

    public init(byPath: [String: Int] = [:]) { self.byPath = byPath }

    /// Reads every `castellan_supervisor_restarts_total{path="..."} N` line of `text`; other lines are skipped.
    public init(prometheus text: String) {
        let prefix = "castellan_supervisor_restarts_total{"
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            guard let close = line.lastIndex(of: "}") else { continue }
            let labels = line[line.index(line.startIndex, offsetBy: prefix.count)..<close]
            guard let start = labels.range(of: "path=\"") else { continue }
            let rest = labels[start.upperBound...]
            guard let quote = rest.firstIndex(of: "\"") else { continue }
            let value = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            guard let number = Double(value), number.isFinite, number >= 0 else { continue }
            counts[String(rest[..<quote]), default: 0] += Int(number)
        }
        byPath = counts
    }

    /// The sum of every path's increase since `earlier`.
    public func moved(since earlier: RestartCounters) -> Int {
        byPath.reduce(0) { $0 + max(0, $1.value - earlier.byPath[$1.key, default: 0]) }
    }
}
