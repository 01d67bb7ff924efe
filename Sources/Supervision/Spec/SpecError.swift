/// A supervision spec that was refused, naming the file, line, column and field at fault.
///
/// The loader stops at the first problem it finds (working down the document, though within
/// one entry keys are checked before values), so each error points at exactly one place. `field` is a dotted path from the document root, such as
/// `supervisor.children[1].pool.size`; it is empty when the problem is the file itself
/// (unreadable, not UTF-8, not YAML at all). `line` and `column` are 1-based, or 0 when
/// there is no position to give (an unreadable file).
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The spec file's path, as given to the loader.
    public var file: String
    /// 1-based line of the offending node; 0 when the file could not be read.
    public var line: Int
    /// 1-based column of the offending node; 0 when the file could not be read.
    public var column: Int
    /// Dotted path of the offending field, e.g. `supervisor.children[1].pool.size`.
    public var field: String
    /// What is wrong, and where it helps, what would be accepted.
    public var message: String

    /// An error at a given position.
    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `FILE:LINE:COL: FIELD: MESSAGE`; position and field are left out when there are none.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        text += ": "
        if !field.isEmpty { text += "\(field): " }
        return text + message
    }
}
