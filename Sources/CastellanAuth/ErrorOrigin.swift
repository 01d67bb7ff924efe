/// Where an error value was made — for logs and debugging, never for equality.
///
/// Castellan's errors follow one idiom (swift-nio's `NIOAsyncWriterError`, service-lifecycle's
/// `ServiceGroupError`): a struct over a private code, made through static factories that
/// capture `#fileID`/`#line`, equal by code. An error stores its throw site as one `origin` of
/// this type, which always compares equal and hashes to nothing, so the error's synthesized
/// `Equatable`/`Hashable` are by code alone: no hand-written `==`, `hash(into:)` or initializer.
public struct ErrorOrigin: Sendable, Hashable, CustomStringConvertible {
    /// The file that made the error (`#fileID`).
    public let fileID: String
    /// The line that made the error.
    public let line: Int

    /// The site; factories pass their own `fileID: String = #fileID, line: Int = #line` on.
    public init(_ fileID: String = #fileID, _ line: Int = #line) {
        self.fileID = fileID
        self.line = line
    }

    /// Every origin is equal: where an error was made never decides what it is.
    public static func == (lhs: Self, rhs: Self) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}

    /// `FILE:LINE`.
    public var description: String { "\(fileID):\(line)" }
}
