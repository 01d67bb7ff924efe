import Supervision

/// A live tree as an indented table: state, generation, restarts and intensity used.
enum SnapshotText {
    static func render(_ node: TreeSnapshot, depth: Int = 0) -> String {
        let name = String(repeating: "  ", count: depth) + node.id
        var line = name.padding(toLength: max(28, name.count + 1), withPad: " ", startingAt: 0)
            + "\(node.state.rawValue)".padding(toLength: 12, withPad: " ", startingAt: 0)
            + "gen \(node.generation)".padding(toLength: 9, withPad: " ", startingAt: 0)
            + "restarts \(node.restarts)"
        if let intensity = node.intensity {
            // The spec's words ("intensity 5 in 10s"), with how much of it is used now.
            line += "  intensity \(intensity.used)/\(intensity.maxRestarts) in \(SpecDuration.format(.milliseconds(intensity.periodMilliseconds)))"
        }
        return ([line] + node.children.map { render($0, depth: depth + 1) }).joined(separator: "\n")
    }
}
