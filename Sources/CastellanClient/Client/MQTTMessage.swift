/// An application message received on a subscription.
public struct MQTTMessage: Sendable, Hashable {
    /// The topic it was published to.
    public var topic: String
    /// The payload bytes.
    public var payload: [UInt8]
    /// The QoS it was delivered with (already acknowledged when QoS 1).
    public var qos: MQTTQoS
    /// It was a retained message.
    public var retain: Bool
    /// The 5.0 PUBLISH properties.
    public var properties: MQTTProperties

    /// The payload as UTF-8 text, invalid sequences repaired.
    public var payloadString: String { String(decoding: payload, as: UTF8.self) }
}
