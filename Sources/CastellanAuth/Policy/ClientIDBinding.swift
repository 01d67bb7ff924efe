/// How a connection's MQTT client id must relate to the authenticated identity.
///
/// The binding stops session stealing: in MQTT a new connection with an existing client id
/// takes over that session (and, with clean start off, its subscriptions and queued messages).
///
/// - `equal` (default): the client id is exactly the identity.
/// - `prefix`: the identity alone, or the identity, `/` and a non-empty suffix
///   (`dev1/telemetry`), for devices that hold several connections. The separator is `/`
///   because ``DeviceID`` refuses it: whatever precedes the first `/` *is* the owner, so no
///   device can pick a client id that is, or starts like, another device's. A `-`, `_` or
///   `:` separator would be ambiguous (`dev1-x` could belong to `dev1` or to `dev1-x`).
///   Such client ids are not single topic levels, so ACL `%c` is never substituted with
///   them (the ACL layer refuses unsafe values and denies).
/// - `any`: no binding. Any device may take over any session; for legacy fleets only.
///
/// Comparison is byte-wise on UTF-8, like the broker's: canonically equivalent but
/// differently encoded strings are different client ids.
public struct ClientIDBinding: Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    private enum Mode: String, Sendable, Hashable, CaseIterable {
        case equal, prefix, any
    }

    private let mode: Mode
    private init(_ mode: Mode) { self.mode = mode }

    /// The client id equals the identity.
    public static let equal = ClientIDBinding(.equal)
    /// The client id is the identity or starts with the identity and `/`.
    public static let prefix = ClientIDBinding(.prefix)
    /// Any client id.
    public static let any = ClientIDBinding(.any)
    /// The default: ``equal``.
    public static let `default` = equal
    /// The three modes.
    public static let allCases: [ClientIDBinding] = Mode.allCases.map(ClientIDBinding.init)

    /// Parses `equal`, `prefix` or `any` exactly; throws ``PolicyError/unknownClientIDBinding(fileID:line:)`` otherwise.
    public init(parsing name: String) throws(PolicyError) {
        guard let mode = Mode(rawValue: name) else { throw .unknownClientIDBinding() }
        self.mode = mode
    }

    /// The configuration name.
    public var name: String { mode.rawValue }
    public var description: String { name }

    /// Whether a connection presenting `clientID` may be `identity`.
    public func permits(clientID: String, for identity: DeviceID) -> Bool {
        let client = clientID.utf8, owner = identity.rawValue.utf8
        switch mode {
        case .any:
            return true
        case .equal:
            return client.elementsEqual(owner)
        case .prefix:
            guard client.starts(with: owner) else { return false }
            let rest = client.dropFirst(owner.count)
            return rest.isEmpty || (rest.first == UInt8(ascii: "/") && rest.count > 1)
        }
    }

    public init(from decoder: any Decoder) throws {
        try self.init(parsing: decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
