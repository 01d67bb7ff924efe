/// Something the operator must know before an import matters: a rule whose meaning changes
/// under Castellan, or an item that is not carried over. `import --dry-run` prints every one,
/// and a real import prints them again.
public struct ImportNote: Hashable, Sendable, CustomStringConvertible {
    /// What kind of difference.
    public enum Kind: String, Sendable, Hashable {
        /// Carried over, but Castellan will decide some requests differently.
        case changes
        /// Not carried over.
        case skipped
    }

    /// What kind of difference.
    public let kind: Kind
    /// Where in which file, `FILE:LINE` or `FILE`.
    public let location: String
    /// The difference, in one line.
    public let message: String

    /// A note.
    public init(_ kind: Kind, file: String, line: Int? = nil, _ message: String) {
        self.kind = kind
        location = file + (line.map { ":\($0)" } ?? "")
        self.message = message
    }

    /// `changes FILE:LINE: MESSAGE`.
    public var description: String { "\(kind.rawValue) \(location): \(message)" }
}
