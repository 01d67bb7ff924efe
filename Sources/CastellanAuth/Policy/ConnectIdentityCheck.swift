/// The CONNECT-level identity rules applied once the identity is known.
///
/// The client id must satisfy the configured ``ClientIDBinding``, and a username, when the
/// client sends one, must be the identity itself (byte-wise) — so a certificate device cannot
/// pose under another name in the broker's logs and plugins.
public struct ConnectIdentityCheck: Sendable, Hashable {
    /// How the client id is bound to the identity.
    public let binding: ClientIDBinding

    /// A check with `binding` (``ClientIDBinding/default`` is `equal`).
    public init(binding: ClientIDBinding = .default) {
        self.binding = binding
    }

    /// Whether `username` is acceptable for `identity`: absent, or byte-for-byte equal to it.
    /// An empty username is present, and differs.
    public static func usernameMatches(_ username: String?, identity: DeviceID) -> Bool {
        guard let username else { return true }
        return username.utf8.elementsEqual(identity.rawValue.utf8)
    }

    /// The denial for the first broken rule (client id, then username), or `nil` if both hold.
    /// The details are fixed texts: the client-supplied strings are never echoed.
    public func denial(clientID: String, username: String?, identity: DeviceID) -> DenialReason? {
        guard binding.permits(clientID: clientID, for: identity) else { return .clientIDMismatch() }
        guard Self.usernameMatches(username, identity: identity) else { return .usernameMismatch() }
        return nil
    }
}
