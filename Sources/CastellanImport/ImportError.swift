/// Why an import file was refused: the file, the line (when one is to blame) and what is
/// wrong. Any such error stops the whole import before the store is touched.
public struct ImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file as given on the command line.
    public let file: String
    /// The 1-based line, or `nil` for the file as a whole.
    public let line: Int?
    /// What is wrong (never a password hash).
    public let message: String

    /// An error at `file:line`.
    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: MESSAGE` (or `FILE: MESSAGE`).
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
