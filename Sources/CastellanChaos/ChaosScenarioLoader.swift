import Foundation
import Supervision
import Yams

/// Reads `supervision/chaos/*.yaml` into a ``ChaosScenario``, refusing anything not entirely valid.
///
/// Shares the supervision spec's readers, so a scenario's errors look like the spec's:
/// `FILE:LINE:COL: FIELD: MESSAGE` (``SpecError``), unknown and duplicate keys refused first.
public enum ChaosScenarioLoader {
    /// The longest run a scenario may ask for; longer is surely a typo.
    public static let maxDuration = 24.0 * 3600
    /// The most devices per method and validity, and the most connectors.
    public static let maxDevices = 1_000
    /// The fastest kill rate; the admin API's random kill takes at most 1,000 per request anyway.
    public static let maxKillsPerSecond = 1_000.0

    /// Reads and checks the scenario in the file at `path`.
    public static func load(contentsOf path: String) throws(SpecError) -> ChaosScenario {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SpecError(file: path, line: 0, column: 0, field: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        guard data.count <= SupervisionSpecLoader.maxFileSize, let text = String(data: data, encoding: .utf8) else {
            throw SpecError(file: path, line: 0, column: 0, field: "",
                            message: "not a scenario: larger than \(SupervisionSpecLoader.maxFileSize) bytes or not UTF-8")
        }
        return try parse(text, file: path)
    }

    /// Checks the scenario in `yaml`; `file` names it in errors and in the report.
    public static func parse(_ yaml: String, file: String) throws(SpecError) -> ChaosScenario {
        let context = SpecContext(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw SupervisionSpecLoader.syntaxError(error, yaml: yaml, file: file)
        }
        guard let root else { throw SpecError(file: file, line: 0, column: 0, field: "", message: "the scenario is empty") }
        let top = try SpecMapping(root, path: "", allowed: ["duration", "calm", "tree", "load", "faults", "expect"], in: context)
        let duration = try seconds(top.required("duration", in: context), field: "duration", context)
        guard duration > 0, duration <= maxDuration else {
            throw context.error(at: top["duration"], field: "duration", "must be longer than zero and at most 24h")
        }
        let calm = try top["calm"].map { node throws(SpecError) in try seconds(node, field: "calm", context) } ?? 0
        guard calm < duration else {
            throw context.error(at: top["calm"], field: "calm", "must be shorter than the duration, leaving time for the faults")
        }
        let tree = try top["tree"].map { node throws(SpecError) in try context.string(node, field: "tree") }
        let load = try readLoad(top.required("load", in: context), context)
        let faults = try readFaults(top["faults"], duration: duration, calm: calm, context)
        var escalation: String?
        if let node = top["expect"] {
            let expect = try SpecMapping(node, path: "expect", allowed: ["escalation"], in: context)
            if let value = expect["escalation"] {
                escalation = try treePath(value, field: "expect.escalation", context)
            }
        }
        return ChaosScenario(file: file, duration: duration, calm: calm, tree: tree, load: load, faults: faults,
                             expectedEscalation: escalation)
    }

    private static func readLoad(_ node: Node, _ context: SpecContext) throws(SpecError) -> ChaosScenario.Load {
        let mapping = try SpecMapping(node, path: "load", allowed: ["connections", "rate", "valid", "invalid"], in: context)
        let valid = try devices(mapping.required("valid", in: context), field: "load.valid", context)
        guard valid.values.contains(where: { $0 > 0 }) else {
            throw context.error(at: mapping["valid"], field: "load.valid", "name at least one device with valid credentials")
        }
        let invalid = try mapping["invalid"].map { node throws(SpecError) in try devices(node, field: "load.invalid", context) } ?? [:]
        let connectionsNode = try mapping.required("connections", in: context)
        let connections = try context.integer(connectionsNode, field: "load.connections")
        guard (1...maxDevices).contains(connections) else {
            throw context.error(at: connectionsNode, field: "load.connections", "must be between 1 and \(maxDevices)")
        }
        let rate = try mapping["rate"].map { node throws(SpecError) in
            let value = try context.decimal(node, field: "load.rate")
            guard value > 0 else { throw context.error(at: node, field: "load.rate", "must be more than zero connects per second") }
            return value
        }
        return ChaosScenario.Load(valid: valid, invalid: invalid, connections: connections, rate: rate)
    }

    private static func devices(_ node: Node, field: String, _ context: SpecContext) throws(SpecError) -> [ChaosScenario.Method: Int] {
        let names = ChaosScenario.Method.allCases.map(\.rawValue)
        let mapping = try SpecMapping(node, path: field, allowed: names, in: context)
        var counts: [ChaosScenario.Method: Int] = [:]
        for method in ChaosScenario.Method.allCases {
            guard let value = mapping[method.rawValue] else { continue }
            let count = try context.integer(value, field: mapping.field(method.rawValue))
            guard (0...maxDevices).contains(count) else {
                throw context.error(at: value, field: mapping.field(method.rawValue), "must be between 0 and \(maxDevices)")
            }
            counts[method] = count
        }
        return counts
    }

    private static func readFaults(_ node: Node?, duration: Double, calm: Double,
                                   _ context: SpecContext) throws(SpecError) -> ChaosScenario.Faults {
        guard let node else { return ChaosScenario.Faults(killsPerSecond: 0, target: .randomUnder("/castellan"), serviceKill: nil) }
        let mapping = try SpecMapping(node, path: "faults", allowed: ["kills_per_second", "under", "path", "sigkill"], in: context)
        let rate = try mapping["kills_per_second"].map { node throws(SpecError) in
            try context.decimal(node, field: "faults.kills_per_second")
        } ?? 0
        guard rate <= maxKillsPerSecond else {
            throw context.error(at: mapping["kills_per_second"], field: "faults.kills_per_second", "must be at most \(Int(maxKillsPerSecond))")
        }
        let target: ChaosScenario.Target
        switch (mapping["under"], mapping["path"]) {
        case (let under?, nil): target = .randomUnder(try treePath(under, field: "faults.under", context))
        case (nil, let path?): target = .path(try treePath(path, field: "faults.path", context))
        case (.some, .some): throw context.error(at: mapping["path"], field: "faults.path", "give either `under` or `path`, not both")
        case (nil, nil):
            guard rate == 0 else {
                throw context.error(at: node, field: "faults", "kills need a target: `under: /castellan/auth` or `path: /castellan/auth/scram`")
            }
            target = .randomUnder("/castellan")
        }
        var serviceKill: ChaosScenario.ServiceKill?
        if let sigkill = mapping["sigkill"] {
            let kill = try SpecMapping(sigkill, path: "faults.sigkill", allowed: ["at", "down"], in: context)
            let at = try seconds(kill.required("at", in: context), field: "faults.sigkill.at", context)
            guard at >= calm, at < duration else {
                throw context.error(at: kill["at"], field: "faults.sigkill.at", "must fall after the calm phase and before the end")
            }
            let down = try kill["down"].map { node throws(SpecError) in try seconds(node, field: "faults.sigkill.down", context) } ?? 1
            serviceKill = ChaosScenario.ServiceKill(at: at, down: down)
        }
        return ChaosScenario.Faults(killsPerSecond: rate, target: target, serviceKill: serviceKill)
    }

    private static func seconds(_ node: Node, field: String, _ context: SpecContext) throws(SpecError) -> Double {
        try context.duration(node, field: field).inSeconds
    }

    private static func treePath(_ node: Node, field: String, _ context: SpecContext) throws(SpecError) -> String {
        let path = try context.string(node, field: field)
        guard path.hasPrefix("/"), path.count > 1, !path.hasSuffix("/"), !path.contains("//"),
              !path.contains(where: { $0.isWhitespace }) else {
            throw context.error(at: node, field: field, "expected a tree path such as /castellan/auth, found '\(path)'")
        }
        return path
    }
}
