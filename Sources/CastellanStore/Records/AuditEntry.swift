import Foundation

/// One line of the audit trail: an authentication attempt and its outcome.
///
/// Never holds a secret: no password, no code, no proof — only who, from where, how, and
/// what was decided, with the denial reason code.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// The store's sequence number; `nil` before it was appended.
    public var id: Int64?
    /// When it happened, Unix milliseconds — the one unit of the audit trail, in memory, in
    /// both stores and in `castellan audit tail --json`. Make it with ``time(of:)``, read it
    /// with ``date``.
    public var time: Int64
    /// The identity claimed or proven, if any.
    public var identity: String?
    /// The MQTT client id.
    public var clientID: String?
    /// The peer address.
    public var address: String?
    /// `cert`, `scram`, `password`, `totp`, … or `admin` for management actions.
    public var method: String
    /// `allow` or `deny`.
    public var result: String
    /// The denial reason code, or a short note.
    public var reason: String?
    /// Which broker asked.
    public var brokerID: String?

    /// An entry.
    public init(
        id: Int64? = nil, time: Int64, identity: String? = nil, clientID: String? = nil, address: String? = nil,
        method: String, result: String, reason: String? = nil, brokerID: String? = nil
    ) {
        self.id = id
        self.time = time
        self.identity = identity
        self.clientID = clientID
        self.address = address
        self.method = method
        self.result = result
        self.reason = reason
        self.brokerID = brokerID
    }

    /// `date` as ``time`` holds it: Unix milliseconds, rounded down.
    public static func time(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// ``time`` as a date.
    public var date: Date { Date(timeIntervalSince1970: Double(time) / 1000) }
}
