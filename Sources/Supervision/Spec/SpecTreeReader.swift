import Yams

/// Walks a composed YAML document into a ``SupervisorSpec``, one refusal at a time.
///
/// Kept apart from ``SupervisionSpecLoader`` (the public entry point) because it carries
/// per-document state: the child count that bounds alias expansion.
struct SpecTreeReader {
    let context: SpecContext
    let workerTypes: Set<String>
    private var childCount = 0

    init(context: SpecContext, workerTypes: Set<String>) {
        self.context = context
        self.workerTypes = workerTypes
    }

    private static let supervisorKeys = ["strategy", "intensity", "period", "auto_shutdown", "backoff", "children"]
    private static let childKeys = ["id", "worker", "supervisor", "pool", "restart", "shutdown", "significant", "options"]
    private static let kindKeys = ["worker", "supervisor", "pool"]

    mutating func readDocument(_ root: Node?) throws(SpecError) -> SupervisorSpec {
        guard let root else {
            throw context.error(at: nil, field: "supervisor", "the spec is empty: expected a top-level 'supervisor:' mapping")
        }
        let document = try SpecMapping(root, path: "", allowed: ["supervisor"], in: context)
        let supervisor = try document.required("supervisor", in: context)
        return try readSupervisor(supervisor, path: "supervisor", id: nil, depth: 0)
    }

    /// A supervisor mapping; `id` is nil for the root, which names itself with an `id` key.
    private mutating func readSupervisor(_ node: Node, path: String, id: String?, depth: Int) throws(SpecError) -> SupervisorSpec {
        let mapping = try SpecMapping(
            node, path: path,
            allowed: id == nil ? ["id"] + Self.supervisorKeys : Self.supervisorKeys,
            misplaced: id == nil ? [:] : ["id": "a nested supervisor takes its id from its child entry"],
            in: context)

        let supervisorID: String
        if let id {
            supervisorID = id
        } else {
            supervisorID = try readID(mapping.required("id", in: context), field: mapping.field("id"))
        }
        let strategy = try mapping["strategy"].map { node throws(SpecError) in
            try readStrategy(node, field: mapping.field("strategy"))
        } ?? .oneForOne
        let intensity = try readIntensity(mapping)
        let autoShutdown = try mapping["auto_shutdown"].map { node throws(SpecError) in
            try readAutoShutdown(node, field: mapping.field("auto_shutdown"))
        } ?? .never
        let backoff = try mapping["backoff"].map { node throws(SpecError) in
            try readBackoff(node, path: mapping.field("backoff"))
        }

        let childrenField = mapping.field("children")
        let childrenNode = try mapping.required("children", in: context)
        guard case .sequence(let sequence) = childrenNode else {
            throw context.error(at: childrenNode, field: childrenField, "expected a list of children, found \(childrenNode.kindName)")
        }
        var children: [ChildSpecNode] = []
        var firstUse: [String: Int] = [:]
        for (index, childNode) in sequence.enumerated() {
            let childPath = "\(childrenField)[\(index)]"
            childCount += 1
            guard childCount <= SupervisionSpecLoader.maxChildren else {
                throw context.error(at: childNode, field: childPath, "the spec has more than \(SupervisionSpecLoader.maxChildren) children")
            }
            let (child, idNode) = try readChild(childNode, path: childPath, autoShutdown: autoShutdown, depth: depth)
            if let first = firstUse[child.id] {
                throw context.error(
                    at: idNode, field: "\(childPath).id",
                    "duplicate child id '\(child.id)' (already used by \(childrenField)[\(first)] at line \(children[first].location.line))")
            }
            firstUse[child.id] = index
            children.append(child)
        }

        return SupervisorSpec(
            id: supervisorID, strategy: strategy, intensity: intensity, autoShutdown: autoShutdown,
            backoff: backoff, children: children, location: context.location(of: node))
    }

    /// A child entry, with its `id` node so a duplicate can be reported where it is written.
    private mutating func readChild(
        _ node: Node, path: String, autoShutdown: AutoShutdown, depth: Int
    ) throws(SpecError) -> (child: ChildSpecNode, idNode: Node) {
        let mapping = try SpecMapping(node, path: path, allowed: Self.childKeys, in: context)
        let idNode = try mapping.required("id", in: context)
        let id = try readID(idNode, field: mapping.field("id"))

        let kindKeys = Self.kindKeys.filter(mapping.has)
        guard let kindKey = kindKeys.first else {
            throw context.error(at: node, field: path, "missing required key: a child needs one of 'worker', 'supervisor' or 'pool'")
        }
        if kindKeys.count > 1, let second = mapping[kindKeys[1]] {
            throw context.error(
                at: second, field: mapping.field(kindKeys[1]),
                "a child is exactly one of 'worker', 'supervisor' or 'pool', but this one also has '\(kindKey)'")
        }
        if kindKey != "worker", let options = mapping["options"] {
            let hint = kindKey == "pool" ? "a pool's options go inside 'pool:'" : "only a worker takes options"
            throw context.error(at: options, field: mapping.field("options"), "unexpected key 'options': \(hint)")
        }

        let restart = try mapping["restart"].map { node throws(SpecError) in
            try readRestart(node, field: mapping.field("restart"))
        } ?? .permanent
        let significant = try mapping["significant"].map { node throws(SpecError) in
            try context.bool(node, field: mapping.field("significant"))
        } ?? false
        if significant, let node = mapping["significant"] {
            if restart == .permanent {
                throw context.error(
                    at: node, field: mapping.field("significant"),
                    "a permanent child cannot be significant (it is always restarted, so it never exits for good); make it transient or temporary")
            }
            if autoShutdown == .never {
                throw context.error(
                    at: node, field: mapping.field("significant"),
                    "significant children need 'auto_shutdown: any_significant' or 'all_significant' on their supervisor; under 'never' OTP refuses them")
            }
        }
        let shutdown = try mapping["shutdown"].map { node throws(SpecError) in
            try readShutdown(node, field: mapping.field("shutdown"))
        }

        let kind: ChildSpecNode.Kind
        let kindNode = try mapping.required(kindKey, in: context)
        let kindField = mapping.field(kindKey)
        switch kindKey {
        case "worker":
            let type = try readWorkerType(kindNode, field: kindField)
            let options = try mapping["options"].map { node throws(SpecError) in
                try context.options(node, field: mapping.field("options"))
            } ?? [:]
            kind = .worker(type: type, options: options)
        case "supervisor":
            guard depth + 1 < SupervisionSpecLoader.maxDepth else {
                throw context.error(at: kindNode, field: kindField, "supervisors are nested more than \(SupervisionSpecLoader.maxDepth) deep")
            }
            kind = .supervisor(try readSupervisor(kindNode, path: kindField, id: id, depth: depth + 1))
        default:
            kind = try readPool(kindNode, path: kindField)
        }

        let child = ChildSpecNode(
            id: id, kind: kind, restart: restart, shutdown: shutdown, significant: significant,
            location: context.location(of: node))
        return (child, idNode)
    }

    private func readPool(_ node: Node, path: String) throws(SpecError) -> ChildSpecNode.Kind {
        let mapping = try SpecMapping(node, path: path, allowed: ["worker", "size", "options", "intensity", "period", "request_deadline"], in: context)
        let worker = try readWorkerType(mapping.required("worker", in: context), field: mapping.field("worker"))
        let sizeNode = try mapping.required("size", in: context)
        let size = try context.integer(sizeNode, field: mapping.field("size"))
        guard (1...SupervisionSpecLoader.maxPoolSize).contains(size) else {
            throw context.error(
                at: sizeNode, field: mapping.field("size"),
                "pool size must be between 1 and \(SupervisionSpecLoader.maxPoolSize), found \(size)")
        }
        let options = try mapping["options"].map { node throws(SpecError) in
            try context.options(node, field: mapping.field("options"))
        } ?? [:]
        let deadline = try mapping["request_deadline"].map { node throws(SpecError) in
            try context.positiveDuration(node, field: mapping.field("request_deadline"))
        }
        return .pool(PoolSpec(worker: worker, size: size, options: options, intensity: try readIntensity(mapping),
                              requestDeadline: deadline))
    }

    /// OTP's `intensity` and `period`, each defaulting as in OTP (1 restart in 5 s);
    /// validated here because ``RestartIntensity`` traps on invalid values.
    private func readIntensity(_ mapping: SpecMapping) throws(SpecError) -> RestartIntensity {
        var maxRestarts = RestartIntensity.otpDefault.maxRestarts
        var period = RestartIntensity.otpDefault.within
        if let node = mapping["intensity"] {
            maxRestarts = try context.integer(node, field: mapping.field("intensity"))
            guard maxRestarts >= 0 else {
                throw context.error(at: node, field: mapping.field("intensity"), "intensity cannot be negative, found \(maxRestarts)")
            }
        }
        if let node = mapping["period"] {
            period = try context.positiveDuration(node, field: mapping.field("period"))
        }
        return RestartIntensity(maxRestarts: maxRestarts, within: period)
    }

    /// Validated here because ``RestartBackoff`` traps on invalid values.
    private func readBackoff(_ node: Node, path: String) throws(SpecError) -> RestartBackoff {
        let mapping = try SpecMapping(
            node, path: path, allowed: ["min", "max", "jitter", "reset_after"],
            in: context)
        let min = try context.positiveDuration(mapping.required("min", in: context), field: mapping.field("min"))
        let maxNode = try mapping.required("max", in: context)
        let max = try context.positiveDuration(maxNode, field: mapping.field("max"))
        guard min <= max else {
            throw context.error(
                at: maxNode, field: mapping.field("max"),
                "max (\(SpecDuration.format(max))) is shorter than min (\(SpecDuration.format(min)))")
        }
        var jitter = 0.2
        if let jitterNode = mapping["jitter"] {
            jitter = try context.decimal(jitterNode, field: mapping.field("jitter"))
            guard jitter <= 1 else {
                throw context.error(at: jitterNode, field: mapping.field("jitter"), "jitter must be between 0 and 1, found \(jitter)")
            }
        }
        let resetAfter = try context.positiveDuration(mapping.required("reset_after", in: context), field: mapping.field("reset_after"))
        return RestartBackoff(min: min, max: max, jitter: jitter, resetAfter: resetAfter)
    }

    private func readShutdown(_ node: Node, field: String) throws(SpecError) -> ShutdownPolicy {
        if case .scalar(let scalar) = node, scalar.string == "infinity" { return .infinity }
        return .timeout(try context.duration(node, field: field))
    }

    /// Ids become path segments (`/castellan/workers/flaky`), so they must be one clean word.
    private func readID(_ node: Node, field: String) throws(SpecError) -> String {
        let id = try context.string(node, field: field)
        if id.isEmpty { throw context.error(at: node, field: field, "an id cannot be empty") }
        if id.contains("/") { throw context.error(at: node, field: field, "an id cannot contain '/' (ids are path segments), found '\(id)'") }
        if id.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            throw context.error(at: node, field: field, "an id cannot contain whitespace or control characters, found '\(id.debugDescription.dropFirst().dropLast())'")
        }
        if id == "." || id == ".." { throw context.error(at: node, field: field, "'\(id)' is not a valid id (ids are path segments)") }
        if id.utf8.count > 128 { throw context.error(at: node, field: field, "an id cannot be longer than 128 bytes") }
        return id
    }

    private func readWorkerType(_ node: Node, field: String) throws(SpecError) -> String {
        let type = try context.string(node, field: field)
        guard workerTypes.contains(type) else {
            let known = workerTypes.isEmpty ? "none registered" : "known: " + workerTypes.sorted().joined(separator: ", ")
            throw context.error(at: node, field: field, "unknown worker type '\(type)' (\(known))")
        }
        return type
    }

    private func readStrategy(_ node: Node, field: String) throws(SpecError) -> RestartStrategy {
        let text = try context.string(node, field: field)
        guard let strategy = RestartStrategy(text) else {
            throw context.error(at: node, field: field, "unknown strategy '\(text)' (expected one_for_one, one_for_all or rest_for_one)")
        }
        return strategy
    }

    private func readRestart(_ node: Node, field: String) throws(SpecError) -> RestartType {
        let text = try context.string(node, field: field)
        guard let restart = RestartType(rawValue: text) else {
            throw context.error(at: node, field: field, "unknown restart type '\(text)' (expected permanent, transient or temporary)")
        }
        return restart
    }

    private func readAutoShutdown(_ node: Node, field: String) throws(SpecError) -> AutoShutdown {
        let text = try context.string(node, field: field)
        guard let value = AutoShutdown(rawValue: text) else {
            throw context.error(at: node, field: field, "unknown auto_shutdown '\(text)' (expected never, any_significant or all_significant)")
        }
        return value
    }
}
