import Yams

/// A YAML mapping of a spec, checked up front for unknown, duplicate and non-string keys.
///
/// Checking keys before values means a typo (`stratgy:`) is reported as the typo it is,
/// not as the missing `strategy` it causes.
package struct SpecMapping {
    /// The mapping's node (its mark locates "missing key" errors).
    let node: Node
    /// Dotted path of the mapping itself; empty for the document root.
    let path: String
    private let entries: [(key: String, keyNode: Node, value: Node)]

    /// Reads `node` as a mapping whose keys all belong to `allowed`.
    ///
    /// `misplaced` gives a better message than "unknown key" for keys that are valid
    /// elsewhere (a nested supervisor's `id`, a pool's `options` at child level).
    package init(
        _ node: Node, path: String, allowed: [String], misplaced: [String: String] = [:],
        in context: SpecContext
    ) throws(SpecError) {
        guard case .mapping(let mapping) = node else {
            throw context.error(at: node, field: path, "expected a mapping, found \(node.kindName)")
        }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw context.error(at: keyNode, field: path, "keys must be plain words, found \(keyNode.kindName)")
            }
            let key = scalar.string
            let field = Self.join(path, key)
            guard seen.insert(key).inserted else {
                throw context.error(at: keyNode, field: field, "duplicate key '\(key)'")
            }
            if let hint = misplaced[key] {
                throw context.error(at: keyNode, field: field, "unknown key '\(key)': \(hint)")
            }
            guard allowed.contains(key) else {
                let list = allowed.joined(separator: ", ")
                throw context.error(at: keyNode, field: field, "unknown key '\(key)' (allowed here: \(list))")
            }
            entries.append((key, keyNode, value))
        }
        self.node = node
        self.path = path
        self.entries = entries
    }

    /// The value under `key`, if present.
    package subscript(key: String) -> Node? {
        entries.first { $0.key == key }?.value
    }

    /// Whether `key` is present.
    package func has(_ key: String) -> Bool { self[key] != nil }

    /// The value under `key`, or an error naming the missing key at the mapping's position.
    package func required(_ key: String, in context: SpecContext) throws(SpecError) -> Node {
        guard let value = self[key] else {
            throw context.error(at: node, field: field(key), "missing required key '\(key)'")
        }
        return value
    }

    /// The dotted path of `key` inside this mapping.
    package func field(_ key: String) -> String { Self.join(path, key) }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
