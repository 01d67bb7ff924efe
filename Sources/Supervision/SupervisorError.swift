/// A supervision operation that could not be done. Equal by code, like swift-nio's errors.
public struct SupervisorError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: String, Sendable, Hashable {
        case invalidSpec, startFailed, noSuchChild, childRunning, childNotRunning, duplicateChild,
             maxChildren, notDynamic, shuttingDown, noSuchPath
    }

    let code: Code
    /// What went wrong, naming the child or path.
    public let message: String
    public let file: String
    public let line: Int

    private init(_ code: Code, _ message: String, file: String, line: Int) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A child spec breaks a rule (duplicate id, significant permanent child, …).
    public static func invalidSpec(_ message: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidSpec, message, file: file, line: line)
    }
    /// A child failed to start while its supervisor started; the started ones were stopped.
    public static func startFailed(_ message: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.startFailed, message, file: file, line: line)
    }
    public static func noSuchChild(_ id: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.noSuchChild, "no child \(id)", file: file, line: line)
    }
    public static func childRunning(_ id: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.childRunning, "child \(id) is running", file: file, line: line)
    }
    public static func childNotRunning(_ id: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.childNotRunning, "child \(id) is not running", file: file, line: line)
    }
    public static func duplicateChild(_ id: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.duplicateChild, "a child \(id) exists already", file: file, line: line)
    }
    public static func maxChildren(_ limit: Int, file: String = #fileID, line: Int = #line) -> Self {
        Self(.maxChildren, "at most \(limit) children", file: file, line: line)
    }
    public static func notDynamic(file: String = #fileID, line: Int = #line) -> Self {
        Self(.notDynamic, "not a dynamic supervisor", file: file, line: line)
    }
    public static func shuttingDown(file: String = #fileID, line: Int = #line) -> Self {
        Self(.shuttingDown, "the supervisor is shutting down", file: file, line: line)
    }
    public static func noSuchPath(_ path: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.noSuchPath, "nothing runs at \(path)", file: file, line: line)
    }
}
