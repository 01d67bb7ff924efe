/// The CONNECT-level identity rules applied once the identity is known.
///
/// The client id must satisfy the configured ``ClientIDBinding`` — or, for a device with a
/// ``BoundClientID``, equal that exactly (it replaces the global binding for that device) — and
/// a username, when the client sends one, must be the identity itself (byte-wise), bound client
/// id or not — so a certificate device cannot pose under another name in the broker's logs and
/// plugins.
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
    /// `bound`: the device's own client id, if it has one. The details are fixed texts: the
    /// client-supplied strings are never echoed.
    public func denial(clientID: String, username: String?, identity: DeviceID, bound: BoundClientID? = nil) -> DenialReason? {
        if let mismatch = clientIDDenial(clientID: clientID, identity: identity, bound: bound) { return mismatch }
        guard Self.usernameMatches(username, identity: identity) else { return .usernameMismatch() }
        return nil
    }

    /// The denial if `clientID` does not fit `identity` — its `bound` client id when it has
    /// one, the global ``binding`` otherwise — or `nil`. Used at connect and when a live session
    /// is re-checked after the device's bound client id changed.
    public func clientIDDenial(clientID: String, identity: DeviceID, bound: BoundClientID?) -> DenialReason? {
        if let bound { return bound.permits(clientID: clientID) ? nil : .boundClientIDMismatch() }
        return binding.permits(clientID: clientID, for: identity) ? nil : .clientIDMismatch()
    }
}
