/// The MQTT 5 properties of one packet (3.1.1 packets have none).
///
/// One optional field per property, so a duplicate can be refused while decoding and the
/// encoding is deterministic. Which properties a packet may carry is checked against
/// ``MQTTPropertyContext`` in both directions; only User Property and (in PUBLISH)
/// Subscription Identifier may repeat.
public struct MQTTProperties: Sendable, Hashable {
    /// 0x01: 0 = unspecified bytes, 1 = UTF-8 payload (PUBLISH, will).
    public var payloadFormatIndicator: UInt8?
    /// 0x02: seconds until the message expires (PUBLISH, will).
    public var messageExpiryInterval: UInt32?
    /// 0x03: MIME type of the payload (PUBLISH, will).
    public var contentType: String?
    /// 0x08: topic for a response (PUBLISH, will).
    public var responseTopic: String?
    /// 0x09: correlation data for a response (PUBLISH, will).
    public var correlationData: [UInt8]?
    /// 0x0B: subscription identifiers (several in PUBLISH, one in SUBSCRIBE), 1...268,435,455.
    public var subscriptionIdentifiers: [Int] = []
    /// 0x11: seconds the session outlives the connection (CONNECT, CONNACK, DISCONNECT).
    public var sessionExpiryInterval: UInt32?
    /// 0x12: the client id the broker chose for an empty one (CONNACK).
    public var assignedClientIdentifier: String?
    /// 0x13: the keep-alive the broker imposes (CONNACK).
    public var serverKeepAlive: UInt16?
    /// 0x15: the enhanced authentication method, e.g. `SCRAM-SHA-256` (CONNECT, CONNACK, AUTH).
    public var authenticationMethod: String?
    /// 0x16: the enhanced authentication data (CONNECT, CONNACK, AUTH).
    public var authenticationData: [UInt8]?
    /// 0x17: 0 or 1 (CONNECT).
    public var requestProblemInformation: UInt8?
    /// 0x18: seconds before the will is sent (will).
    public var willDelayInterval: UInt32?
    /// 0x19: 0 or 1 (CONNECT).
    public var requestResponseInformation: UInt8?
    /// 0x1A: the basis for response topics (CONNACK).
    public var responseInformation: String?
    /// 0x1C: another server to use (CONNACK, DISCONNECT).
    public var serverReference: String?
    /// 0x1F: a human-readable reason (acks, CONNACK, DISCONNECT, AUTH).
    public var reasonString: String?
    /// 0x21: how many QoS 1/2 publications may be in flight, never 0 (CONNECT, CONNACK).
    public var receiveMaximum: UInt16?
    /// 0x22: the highest topic alias accepted (CONNECT, CONNACK).
    public var topicAliasMaximum: UInt16?
    /// 0x23: a topic alias, never 0 (PUBLISH).
    public var topicAlias: UInt16?
    /// 0x24: 0 or 1, the highest QoS the broker supports (CONNACK).
    public var maximumQoS: UInt8?
    /// 0x25: whether retained messages are supported (CONNACK).
    public var retainAvailable: Bool?
    /// 0x26: name/value pairs, any number, order kept (every packet).
    public var userProperties: [MQTTUserProperty] = []
    /// 0x27: the largest packet accepted, never 0 (CONNECT, CONNACK).
    public var maximumPacketSize: UInt32?
    /// 0x28: whether wildcard subscriptions are supported (CONNACK).
    public var wildcardSubscriptionAvailable: Bool?
    /// 0x29: whether subscription identifiers are supported (CONNACK).
    public var subscriptionIdentifiersAvailable: Bool?
    /// 0x2A: whether shared subscriptions are supported (CONNACK).
    public var sharedSubscriptionAvailable: Bool?

    /// No properties.
    public init() {}

    /// `true` when no property is set.
    public var isEmpty: Bool { self == MQTTProperties() }
}

/// A User Property (0x26): a name and a value, both UTF-8 strings.
public struct MQTTUserProperty: Sendable, Hashable {
    /// The name; names may repeat.
    public var name: String
    /// The value.
    public var value: String
    /// A pair.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Where a property block sits: each identifier is valid in some of these only (MQTT 5 §2.2.2.2).
public enum MQTTPropertyContext: Sendable, Hashable, CaseIterable {
    /// CONNECT's own properties.
    case connect
    /// The will properties inside CONNECT's payload.
    case will
    /// CONNACK.
    case connack
    /// PUBLISH.
    case publish
    /// PUBACK.
    case puback
    /// SUBSCRIBE.
    case subscribe
    /// SUBACK.
    case suback
    /// UNSUBSCRIBE.
    case unsubscribe
    /// UNSUBACK.
    case unsuback
    /// DISCONNECT.
    case disconnect
    /// AUTH.
    case auth
}
