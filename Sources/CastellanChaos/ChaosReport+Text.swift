/// The report as plain text: three tables and the verdicts, for a terminal or a CI log.
extension ChaosReport {
    public var text: String {
        var lines = ["chaos run: \(scenario) (\(seconds) s) — " + (passed ? "PASS" : "FAIL"), ""]
        lines += Self.table(["method", "credential", "attempts", "granted", "denied", "failed"], attempts.map {
            [$0.method.rawValue, $0.credential.rawValue, "\($0.attempts)", "\($0.granted)", "\($0.denied)", "\($0.failed)"]
        })
        lines.append("")
        lines += Self.table(["kills", "refused", "exits", "restarts", "escalations", "metrics restarts", "service down"], [[
            "\(faults.kills)", "\(faults.refusedKills)", "\(faults.exits)", "\(faults.restarts)", "\(faults.escalations)",
            faults.metricRestarts.map { "\($0)" } ?? "unread", faults.serviceDownSeconds.map { "\($0) s" } ?? "-",
        ]])
        lines.append("")
        lines += Self.table(["connect latency", "connects", "p50 ms", "p99 ms"], [
            ["calm", "\(calmLatency.count)", Self.milliseconds(calmLatency.p50), Self.milliseconds(calmLatency.p99)],
            ["chaos", "\(chaosLatency.count)", Self.milliseconds(chaosLatency.p50), Self.milliseconds(chaosLatency.p99)],
        ])
        lines.append("")
        for verdict in invariants {
            lines.append((verdict.passed ? "PASS  " : "FAIL  ") + verdict.name + ": " + verdict.detail)
        }
        return lines.joined(separator: "\n")
    }

    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return "\((value * 10).rounded() / 10)"
    }

    /// Left-aligned first column, right-aligned numbers, two spaces between columns.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let cell = row[column], pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
