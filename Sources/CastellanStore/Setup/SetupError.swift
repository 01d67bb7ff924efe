/// Why `castellan init` refused; nothing was left behind.
public struct SetupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One line naming the path or value at fault (never a key).
    public let message: String
    /// Whether the refusal is that a setup already exists there.
    public let existingSetup: Bool

    init(_ message: String, existingSetup: Bool = false) {
        self.message = message
        self.existingSetup = existingSetup
    }

    public var description: String { message }
}
