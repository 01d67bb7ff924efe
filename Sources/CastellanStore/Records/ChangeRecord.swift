import Foundation

/// One entry of the change log: a committed ``StoreEvent``, when and by whom.
///
/// The log is the management audit trail and the feed every running service follows (a CLI,
/// the admin API or another service may have written it). Ids grow in commit order on both
/// backends, so a follower that has applied id N has applied everything before it.
public struct ChangeRecord: Sendable, Hashable {
    /// The log's sequence number, in commit order.
    public var id: Int64
    /// When it was committed, Unix milliseconds.
    public var time: Int64
    /// What changed.
    public var event: StoreEvent
    /// Who changed it: `user:NAME` for the CLI's OS user, `admin:NAME` for an admin token, …
    public var actor: String

    /// A record.
    public init(id: Int64, time: Int64, event: StoreEvent, actor: String) {
        self.id = id
        self.time = time
        self.event = event
        self.actor = actor
    }
}

extension ChangeRecord: Encodable {
    private enum CodingKeys: String, CodingKey { case id, time, kind, device, detail, actor }

    /// `{"id", "time" (Unix ms), "kind", "device", "detail", "actor"}`, as `audit tail --json` prints it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let columns = event.columns
        try container.encode(id, forKey: .id)
        try container.encode(time, forKey: .time)
        try container.encode(columns.kind, forKey: .kind)
        try container.encodeIfPresent(columns.device, forKey: .device)
        try container.encodeIfPresent(columns.detail, forKey: .detail)
        try container.encode(actor, forKey: .actor)
    }
}

/// Who the store's writes are attributed to in the change log.
///
/// A task-local value, so the admin API can name the token of each request without every
/// store method taking an actor argument; a process that sets nothing is its OS user.
public enum ChangeActor {
    /// The actor of writes made by the current task.
    @TaskLocal public static var current: String = ChangeActor.osUser

    /// `user:NAME`, the effective OS user of this process.
    public static let osUser: String = {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "user:uid\(geteuid())" }
        return "user:" + String(cString: name)
    }()
}
