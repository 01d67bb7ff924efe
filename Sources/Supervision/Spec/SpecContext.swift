import Yams

/// The file being read, and the typed readers every part of the loader shares.
///
/// `package`, so other files of this repository in the same style (the chaos scenarios)
/// read with the same rules and the same messages.
///
/// Every reader refuses with a ``SpecError`` at the value's own line and column: values
/// arrive from a file, so none of them may trap.
package struct SpecContext {
    package let file: String

    package init(file: String) { self.file = file }

    package func location(of node: Node?) -> SpecLocation {
        SpecLocation(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0)
    }

    package func error(at node: Node?, field: String, _ message: String) -> SpecError {
        let location = location(of: node)
        return SpecError(file: file, line: location.line, column: location.column, field: field, message: message)
    }

    /// A scalar's text; refuses mappings, sequences and null (`~`, `null`, nothing).
    package func string(_ node: Node, field: String) throws(SpecError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(at: node, field: field, "expected a single value, found \(node.kindName)")
        }
        if scalar.isNull {
            throw error(at: node, field: field, "expected a value, found nothing (null)")
        }
        return scalar.string
    }

    /// A whole number written in decimal (`12`, `-3`); YAML's hex and octal are refused as unusual here.
    package func integer(_ node: Node, field: String) throws(SpecError) -> Int {
        let text = try string(node, field: field)
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw error(at: node, field: field, "expected a whole number, found '\(text)'")
        }
        guard let value = Int(text) else {
            throw error(at: node, field: field, "number '\(text)' is out of range")
        }
        return value
    }

    /// `true` or `false` only: YAML 1.1's `yes`/`no`/`on`/`off` are too easy to write by accident.
    package func bool(_ node: Node, field: String) throws(SpecError) -> Bool {
        let text = try string(node, field: field)
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw error(at: node, field: field, "expected true or false, found '\(text)'")
        }
    }

    /// A decimal number such as `0.2`; refuses `.nan`, `.inf` and exponents.
    package func decimal(_ node: Node, field: String) throws(SpecError) -> Double {
        let text = try string(node, field: field)
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.allSatisfy(isDigits), text.count <= 32, let value = Double(text) else {
            throw error(at: node, field: field, "expected a decimal number such as 0.2, found '\(text)'")
        }
        return value
    }

    /// A duration (see ``SpecDuration``); `infinity` is a separate concern of the shutdown reader.
    package func duration(_ node: Node, field: String) throws(SpecError) -> Duration {
        let text = try string(node, field: field)
        if text == "infinity" {
            throw error(at: node, field: field, "'infinity' is only allowed for shutdown; give a duration")
        }
        switch SpecDuration.parse(text) {
        case .success(let duration): return duration
        case .failure(let reason): throw error(at: node, field: field, "\(reason.message), found '\(text)'")
        }
    }

    /// A duration that must be longer than zero (periods, backoff delays).
    package func positiveDuration(_ node: Node, field: String) throws(SpecError) -> Duration {
        let value = try duration(node, field: field)
        guard value > .zero else {
            throw error(at: node, field: field, "must be longer than zero")
        }
        return value
    }

    /// A map of scalar option values, kept as written: the worker type interprets them.
    package func options(_ node: Node, field: String) throws(SpecError) -> [String: String] {
        guard case .mapping(let mapping) = node else {
            throw error(at: node, field: field, "expected a mapping of options, found \(node.kindName)")
        }
        var options: [String: String] = [:]
        for (keyNode, valueNode) in mapping {
            let key = try string(keyNode, field: field)
            let entryField = "\(field).\(key)"
            guard options[key] == nil else {
                throw error(at: keyNode, field: entryField, "duplicate key '\(key)'")
            }
            options[key] = try string(valueNode, field: entryField)
        }
        return options
    }
}

extension Node {
    /// How the node is shaped, for "expected X, found Y" messages.
    var kindName: String {
        switch self {
        case .scalar(let scalar):
            if scalar.isNull { "nothing (null)" }
            else if scalar.string.count > 60 { "'\(scalar.string.prefix(60))…'" }
            else { "'\(scalar.string)'" }
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

extension Node.Scalar {
    /// A plain `~`, `null` or empty value: YAML's null, which no spec field accepts.
    var isNull: Bool {
        style == .plain && ["", "~", "null", "Null", "NULL"].contains(string)
    }
}
