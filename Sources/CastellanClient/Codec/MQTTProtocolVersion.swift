/// The MQTT protocol level a connection speaks.
///
/// 5.0 carries properties, reason codes everywhere and AUTH (enhanced authentication);
/// 3.1.1 is kept for username/password devices and has none of these.
public enum MQTTProtocolVersion: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// MQTT 3.1.1 (protocol level 4).
    case v3_1_1 = 4
    /// MQTT 5.0 (protocol level 5).
    case v5 = 5

    /// Parses `5`, `5.0`, `3.1.1` or `4`; `nil` for anything else.
    public init?(name: String) {
        switch name {
        case "5", "5.0": self = .v5
        case "3.1.1", "4", "311": self = .v3_1_1
        default: return nil
        }
    }

    /// `5` or `3.1.1`.
    public var description: String { self == .v5 ? "5" : "3.1.1" }
}
