import Foundation
import Yams

/// Reads `supervision/*.yaml` into a ``SupervisorSpec``, refusing any spec that is not
/// entirely valid.
///
/// The loader starts nothing: it only reads and checks, so the runtime never starts half a
/// tree from a spec that turns out to be wrong further down. The first problem found is
/// thrown as a ``SpecError`` naming file, line, column and field.
/// The format is described in `docs/supervision-specs.md`.
public struct SupervisionSpecLoader: Sendable {
    /// Worker type names a spec may use (`worker:` and `pool.worker`).
    public var workerTypes: Set<String>

    /// Largest pool a spec may ask for; a bigger number is surely a typo.
    public static let maxPoolSize = 10_000
    /// Deepest nesting of supervisors; also bounds the loader's recursion.
    public static let maxDepth = 32
    /// Most child entries in one spec. YAML aliases can repeat a subtree exponentially
    /// ("billion laughs"); this bounds the work a small file can cause.
    public static let maxChildren = 10_000
    /// Largest spec file, in bytes.
    public static let maxFileSize = 1 << 20

    /// A loader accepting the given worker types.
    public init(workerTypes: Set<String>) {
        self.workerTypes = workerTypes
    }

    /// Reads and validates the spec in the file at `path`.
    ///
    /// - Throws: ``SpecError`` when the file cannot be read, is larger than
    ///   ``maxFileSize``, is not UTF-8, or holds an invalid spec.
    public func load(contentsOf path: String) throws(SpecError) -> SupervisorSpec {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SpecError(file: path, line: 0, column: 0, field: "", message: "cannot read the file (\(Self.reason(error)))")
        }
        guard data.count <= Self.maxFileSize else {
            throw SpecError(file: path, line: 0, column: 0, field: "", message: "the file is larger than \(Self.maxFileSize) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(file: path, line: 0, column: 0, field: "", message: "the file is not valid UTF-8")
        }
        return try parse(text, file: path)
    }

    /// Validates the spec in `yaml`; `file` is only used to name the source in errors and locations.
    ///
    /// - Throws: ``SpecError`` for a YAML syntax error or any invalid field.
    public func parse(_ yaml: String, file: String) throws(SpecError) -> SupervisorSpec {
        let context = SpecContext(file: file)
        guard yaml.utf8.count <= Self.maxFileSize else {
            throw SpecError(file: file, line: 0, column: 0, field: "", message: "the spec is larger than \(Self.maxFileSize) bytes")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw Self.syntaxError(error, yaml: yaml, file: file)
        }
        var reader = SpecTreeReader(context: context, workerTypes: workerTypes)
        return try reader.readDocument(root)
    }

    private static func reason(_ error: any Error) -> String {
        (error as? CocoaError)?.code == .fileReadNoSuchFile ? "no such file" : error.localizedDescription
    }

    /// Converts what Yams throws into a positioned ``SpecError``; Yams' own descriptions
    /// quote the whole document, too much for a one-line error.
    package static func syntaxError(_ error: any Error, yaml: String, file: String) -> SpecError {
        func make(_ mark: (line: Int, column: Int), _ problem: String) -> SpecError {
            SpecError(file: file, line: mark.line, column: mark.column, field: "", message: "YAML syntax error: \(problem)")
        }
        guard let yamlError = error as? YamlError else {
            return SpecError(file: file, line: 0, column: 0, field: "", message: "YAML syntax error: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return make((mark.line, mark.column), context.map { "\(problem) (\($0.text) at line \($0.mark.line))" } ?? problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return make((context.mark.line, context.mark.column), "duplicate key \(keys)")
        case .reader(let problem, let offset, _, _):
            return make(mark(atCharacterOffset: offset, in: yaml), problem)
        default:
            return SpecError(file: file, line: 0, column: 0, field: "", message: "YAML syntax error: \(yamlError)")
        }
    }

    private static func mark(atCharacterOffset offset: Int?, in yaml: String) -> (line: Int, column: Int) {
        guard let offset else { return (0, 0) }
        var line = 1
        var column = 1
        for character in yaml.prefix(offset) {
            if character == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}
