/// A configuration file that was refused, naming the file, line, column and key at fault.
///
/// `key` is a dotted path from the document root, such as `totp.digits`; empty when the
/// problem is the file itself (missing, unreadable, not YAML). `line`/`column` are 1-based,
/// or 0 when there is no position. Messages never quote a secret (the config holds none,
/// only paths to secret files).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration file, as found.
    public var file: String
    /// 1-based line of the offending node; 0 when there is none.
    public var line: Int
    /// 1-based column of the offending node; 0 when there is none.
    public var column: Int
    /// Dotted path of the offending key.
    public var key: String
    /// What is wrong and what would be accepted.
    public var message: String

    /// An error at a position.
    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `FILE:LINE:COL: KEY: MESSAGE`; position and key are left out when there are none.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        text += ": "
        if !key.isEmpty { text += "\(key): " }
        return text + message
    }
}
