/// Where a node of a supervision spec was written: file, line and column (both 1-based).
///
/// Kept on every parsed supervisor and child so that errors found later — by the runtime,
/// when it starts what the spec describes — can still point at the line that asked for it.
public struct SpecLocation: Sendable, Hashable, CustomStringConvertible {
    /// The path of the spec file, as given to the loader.
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in Unicode scalars (as libyaml counts them).
    public var column: Int

    /// A location; `line` and `column` are 1-based.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COL`, the form compilers use, so editors can jump to it.
    public var description: String { "\(file):\(line):\(column)" }
}
