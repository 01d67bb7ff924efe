/// One kind of access an ACL check asks about.
///
/// The raw values are the bits of ``ACLAccessSet`` and of the serialized format's access byte.
public enum ACLAccess: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The client sends a PUBLISH (including its will and retained messages) to a topic name.
    case publish = 0x01
    /// The client sends a SUBSCRIBE with a topic filter (`$share/<g>/` stripped before judging).
    case subscribe = 0x02
    /// The broker is about to deliver a message on a topic name to this client.
    case receive = 0x04

    /// The word used by the CLI and the case table.
    public var description: String {
        switch self {
        case .publish: "publish"
        case .subscribe: "subscribe"
        case .receive: "receive"
        }
    }

    /// Parses `publish`, `subscribe` or `receive`; `nil` for anything else.
    public init?(keyword: String) {
        guard let access = Self.allCases.first(where: { $0.description == keyword }) else { return nil }
        self = access
    }
}

/// The accesses a rule applies to; `all` is every one of them.
public struct ACLAccessSet: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The bits, as in the serialized format: 0x01 publish, 0x02 subscribe, 0x04 receive.
    public let rawValue: UInt8
    /// A set from raw bits; bits outside ``all`` make a set that no rule accepts.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Sending PUBLISH.
    public static let publish = ACLAccessSet(rawValue: ACLAccess.publish.rawValue)
    /// Sending SUBSCRIBE.
    public static let subscribe = ACLAccessSet(rawValue: ACLAccess.subscribe.rawValue)
    /// Being delivered a message.
    public static let receive = ACLAccessSet(rawValue: ACLAccess.receive.rawValue)
    /// Publish, subscribe and receive.
    public static let all: ACLAccessSet = [.publish, .subscribe, .receive]

    /// The set holding exactly `access`.
    public init(_ access: ACLAccess) { self.init(rawValue: access.rawValue) }

    /// Parses the CLI words `publish`, `subscribe`, `receive` or `all`; `nil` otherwise.
    public init?(keyword: String) {
        if keyword == "all" {
            self = .all
        } else if let access = ACLAccess(keyword: keyword) {
            self.init(access)
        } else {
            return nil
        }
    }

    /// Whether the set includes `access`.
    @inline(__always)
    public func contains(_ access: ACLAccess) -> Bool { rawValue & access.rawValue != 0 }

    public var description: String {
        if self == .all { return "all" }
        return ACLAccess.allCases.filter { contains($0) }.map(\.description).joined(separator: ",")
    }
}
