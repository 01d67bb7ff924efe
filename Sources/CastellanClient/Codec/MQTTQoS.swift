/// The quality of service of a publication or subscription.
///
/// The client sends and acknowledges QoS 0 and 1; QoS 2 decodes (so a broker's grant can be
/// reported) but has no PUBREC/PUBREL/PUBCOMP flow here.
public enum MQTTQoS: UInt8, Sendable, Hashable, CaseIterable, Comparable {
    /// At most once: no acknowledgement.
    case atMostOnce = 0
    /// At least once: acknowledged with PUBACK.
    case atLeastOnce = 1
    /// Exactly once: decoded, not sent by this client.
    case exactlyOnce = 2

    /// Orders by level.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
