/// An exchange step out of order; SCRAM failures themselves are ``SCRAMError``.
public struct SCRAMAuthMechanismError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
