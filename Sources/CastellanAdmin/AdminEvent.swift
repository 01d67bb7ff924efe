import Foundation

/// A supervision event as the admin API sends it (`data:` of each SSE message).
///
/// The decodable mirror of `SupervisionEvent`'s JSON: `timestamp` (Unix seconds),
/// `path`, `event` (`child_exited`, `child_restarted`, …) and `detail`.
public struct AdminEvent: Sendable, Hashable, Codable {
    public var timestamp: Double
    public var path: String
    public var event: String
    public var detail: String

    /// Decodes one `data:` line.
    public init(json: String) throws {
        self = try JSONDecoder().decode(AdminEvent.self, from: Data(json.utf8))
    }
}
