/// Why `castellan serve` refused to start: one line naming what to fix.
public struct ServiceStartError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
