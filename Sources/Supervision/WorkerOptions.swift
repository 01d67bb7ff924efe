/// A worker type's `options` from a spec, read with types and refused with clear messages.
///
/// Worker types validate their options when the tree is built, before anything starts,
/// so a typo in a spec is an error at load time, not a crash at run time.
public struct WorkerOptions: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String], allowed: Set<String>) throws(WorkerOptionsError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw WorkerOptionsError("unknown option '\(unknown)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        self.values = values
    }

    /// A duration option (`250ms`, `5s`, …), at least `minimum`.
    public func duration(_ key: String, default value: Duration, minimum: Duration = .milliseconds(1))
        throws(WorkerOptionsError) -> Duration
    {
        guard let text = values[key] else { return value }
        guard case .success(let duration) = SpecDuration.parse(text), duration >= minimum else {
            throw WorkerOptionsError("option '\(key)' must be a duration of at least \(SpecDuration.format(minimum)), found '\(text)'")
        }
        return duration
    }

    /// A number option within `range`.
    public func number(_ key: String, default value: Double, in range: ClosedRange<Double>)
        throws(WorkerOptionsError) -> Double
    {
        guard let text = values[key] else { return value }
        guard let number = Double(text), range.contains(number) else {
            throw WorkerOptionsError("option '\(key)' must be a number in \(range.lowerBound)...\(range.upperBound), found '\(text)'")
        }
        return number
    }
}

/// A worker option that is unknown or malformed.
public struct WorkerOptionsError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
