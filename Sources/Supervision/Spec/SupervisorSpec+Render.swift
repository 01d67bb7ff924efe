extension SupervisorSpec {
    /// The tree as indented text, one line per supervisor, worker or pool, for `castellan tree`.
    ///
    /// Each line names the node's id and kind, then what decides its fate: strategy and
    /// intensity for supervisors, restart type and shutdown for children, the size and
    /// worker type of pools. Options are sorted by key so the output is stable.
    ///
    /// ```
    /// castellan  supervisor one_for_one, intensity 3 in 10s
    /// ├─ ticker  worker ticker, permanent, shutdown 5s, options {interval: 1s}
    /// └─ workers  supervisor one_for_one, intensity 60 in 10s, permanent, shutdown infinity
    ///    └─ flaky  pool of 4 × flaky, permanent, shutdown infinity, options {…}
    /// ```
    public func renderTree() -> String {
        var lines = ["\(id)  \(flagsSummary)"]
        appendChildren(of: self, prefix: "", to: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    fileprivate var flagsSummary: String {
        var parts = ["supervisor \(strategy)", "intensity \(intensity.maxRestarts) in \(SpecDuration.format(intensity.within))"]
        if autoShutdown != .never { parts.append("auto_shutdown \(autoShutdown.rawValue)") }
        if let backoff {
            parts.append(
                "backoff \(SpecDuration.format(backoff.min))..\(SpecDuration.format(backoff.max))"
                    + " jitter \(backoff.jitter) reset after \(SpecDuration.format(backoff.resetAfter))")
        }
        return parts.joined(separator: ", ")
    }

    private func appendChildren(of supervisor: SupervisorSpec, prefix: String, to lines: inout [String]) {
        for (index, child) in supervisor.children.enumerated() {
            let isLast = index == supervisor.children.count - 1
            lines.append(prefix + (isLast ? "└─ " : "├─ ") + "\(child.id)  \(child.summary)")
            if case .supervisor(let nested) = child.kind {
                appendChildren(of: nested, prefix: prefix + (isLast ? "   " : "│  "), to: &lines)
            }
        }
    }
}

extension ChildSpecNode {
    fileprivate var summary: String {
        var parts: [String]
        var options: [String: String] = [:]
        switch kind {
        case .worker(let type, let workerOptions):
            parts = ["worker \(type)"]
            options = workerOptions
        case .supervisor(let nested):
            parts = [nested.flagsSummary]
        case .pool(let pool):
            parts = ["pool of \(pool.size) × \(pool.worker)",
                     "intensity \(pool.intensity.maxRestarts) in \(SpecDuration.format(pool.intensity.within))"]
            if let deadline = pool.requestDeadline { parts.append("deadline \(SpecDuration.format(deadline))") }
            options = pool.options
        }
        parts.append(restart.rawValue)
        switch shutdown {
        case .infinity: parts.append("shutdown infinity")
        case .timeout(let duration): parts.append("shutdown \(SpecDuration.format(duration))")
        }
        if significant { parts.append("significant") }
        if !options.isEmpty {
            let list = options.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            parts.append("options {\(list)}")
        }
        return parts.joined(separator: ", ")
    }
}
