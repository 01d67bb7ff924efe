import Yams

/// Typed readers over Yams nodes that refuse with a positioned ``ConfigurationError``.
struct ConfigurationReader {
    let file: String

    func error(at node: Node?, key: String, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, key: key, message: message)
    }

    /// A mapping whose keys are all in `allowed`, without duplicates.
    func mapping(_ node: Node, path: String, allowed: [String]) throws(ConfigurationError) -> ConfigurationMapping {
        guard case .mapping(let mapping) = node else {
            throw error(at: node, key: path, "expected a mapping of keys, found \(Self.kind(node))")
        }
        var entries: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error(at: keyNode, key: path, "keys must be plain words, found \(Self.kind(keyNode))")
            }
            let key = scalar.string
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw error(at: keyNode, key: full, "unknown key '\(key)' (allowed here: \(allowed.joined(separator: ", ")))")
            }
            guard entries[key] == nil else { throw error(at: keyNode, key: full, "duplicate key '\(key)'") }
            entries[key] = value
        }
        return ConfigurationMapping(node: node, path: path, entries: entries)
    }

    /// `nil` when the key is absent; otherwise as ``mapping(_:path:allowed:)``.
    func optionalMapping(_ node: Node?, path: String, allowed: [String]) throws(ConfigurationError) -> ConfigurationMapping? {
        guard let node else { return nil }
        return try mapping(node, path: path, allowed: allowed)
    }

    /// A scalar's text; refuses mappings, sequences, null and the empty string.
    func string(_ node: Node, key: String) throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(at: node, key: key, "expected a single value, found \(Self.kind(node))")
        }
        guard !scalar.isNull, !scalar.string.isEmpty else { throw error(at: node, key: key, "expected a value, found nothing") }
        return scalar.string
    }

    /// A decimal whole number within `range`.
    func integer(_ node: Node, key: String, in range: ClosedRange<Int>, hint: String) throws(ConfigurationError) -> Int {
        let text = try string(node, key: key)
        guard text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else {
            throw error(at: node, key: key, "expected a whole number (\(hint)), found '\(text)'")
        }
        guard range.contains(value) else { throw error(at: node, key: key, "\(value) is out of range (\(hint))") }
        return value
    }

    /// A plain decimal such as `100` or `0.5`; no exponents, `.inf` or `.nan`.
    func decimal(_ node: Node, key: String) throws(ConfigurationError) -> Double {
        let text = try string(node, key: key)
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard text.count <= 32, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let value = Double(text) else {
            throw error(at: node, key: key, "expected a decimal number such as 0.5, found '\(text)'")
        }
        return value
    }

    /// A list of non-empty single values (`[]` for an empty one).
    func stringList(_ node: Node, key: String) throws(ConfigurationError) -> [String] {
        guard case .sequence(let sequence) = node else {
            throw error(at: node, key: key, "expected a list such as [127.0.0.1], found \(Self.kind(node))")
        }
        var values: [String] = []
        for item in sequence { values.append(try string(item, key: key)) }
        return values
    }

    /// `true` or `false` only (YAML 1.1's `yes`/`on` are refused as too easy to write by accident).
    func bool(_ node: Node, key: String) throws(ConfigurationError) -> Bool {
        switch try string(node, key: key) {
        case "true": return true
        case "false": return false
        case let text: throw error(at: node, key: key, "expected true or false, found '\(text)'")
        }
    }

    /// A Yams error as a one-line positioned error (Yams' own text quotes the whole document).
    func syntaxError(_ thrown: any Error) -> ConfigurationError {
        guard let yamlError = thrown as? YamlError else {
            return ConfigurationError(file: file, line: 0, column: 0, key: "", message: "YAML syntax error")
        }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigurationError(file: file, line: mark.line, column: mark.column, key: "", message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigurationError(
                file: file, line: context.mark.line, column: context.mark.column, key: "", message: "duplicate key \(keys)")
        default:
            return ConfigurationError(file: file, line: 0, column: 0, key: "", message: "YAML syntax error")
        }
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): scalar.isNull ? "nothing (null)" : "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// A checked mapping: its node (for "missing key" positions) and its entries.
struct ConfigurationMapping {
    let node: Node
    let path: String
    let entries: [String: Node]

    subscript(key: String) -> Node? { entries[key] }

    func required(_ key: String, _ reader: ConfigurationReader) throws(ConfigurationError) -> Node {
        guard let value = entries[key] else {
            let full = path.isEmpty ? key : "\(path).\(key)"
            throw reader.error(at: node, key: full, "missing required key '\(key)'")
        }
        return value
    }
}

extension Node.Scalar {
    /// A plain `~`, `null` or empty value: YAML's null, which no configuration key accepts.
    var isNull: Bool {
        style == .plain && ["", "~", "null", "Null", "NULL"].contains(string)
    }
}
