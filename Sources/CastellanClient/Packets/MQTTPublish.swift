/// A PUBLISH packet, in either direction.
public struct MQTTPublish: Sendable, Hashable {
    /// The topic name (may be empty in 5.0 when a topic alias stands for it).
    public var topic: String
    /// The application message.
    public var payload: [UInt8]
    /// The quality of service.
    public var qos: MQTTQoS
    /// Whether the broker should retain it (or, received, whether it was retained).
    public var retain: Bool
    /// A re-delivery of an earlier attempt.
    public var duplicate: Bool
    /// The packet identifier, present exactly when QoS > 0 and never 0.
    public var packetIdentifier: UInt16?
    /// PUBLISH properties (5.0 only).
    public var properties: MQTTProperties

    /// A PUBLISH.
    public init(
        topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false, duplicate: Bool = false,
        packetIdentifier: UInt16? = nil, properties: MQTTProperties = MQTTProperties()
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.duplicate = duplicate
        self.packetIdentifier = packetIdentifier
        self.properties = properties
    }
}

extension MQTTPublish {
    var flags: UInt8 { (duplicate ? 0x08 : 0) | qos.rawValue << 1 | (retain ? 0x01 : 0) }

    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard !topic.contains("+"), !topic.contains("#") else { throw .protocolViolation("wildcard in a topic name") }
        guard qos != .atMostOnce || !duplicate else { throw .invalidFlags("DUP on QoS 0") }
        try writer.string(topic)
        switch (qos, packetIdentifier) {
        case (.atMostOnce, nil): break
        case (.atMostOnce, .some): throw .protocolViolation("packet identifier on QoS 0")
        case (_, .some(let id)) where id != 0: writer.uint16(id)
        default: throw .protocolViolation("QoS > 0 needs a non-zero packet identifier")
        }
        if version == .v5 {
            try properties.encode(into: &writer, context: .publish)
        } else if !properties.isEmpty {
            throw .invalidProperty("MQTT 3.1.1 has no properties")
        }
        writer.append(payload)
    }

    static func decode(flags: UInt8, from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        guard let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) else { throw .invalidFlags("PUBLISH with QoS 3") }
        let duplicate = flags & 0x08 != 0
        guard qos != .atMostOnce || !duplicate else { throw .invalidFlags("DUP on QoS 0") }
        let topic = try reader.string()
        guard !topic.contains("+"), !topic.contains("#") else { throw .protocolViolation("wildcard in a topic name") }
        var packetIdentifier: UInt16?
        if qos != .atMostOnce {
            let id = try reader.uint16()
            guard id != 0 else { throw .protocolViolation("packet identifier 0") }
            packetIdentifier = id
        }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &reader, context: .publish) : MQTTProperties()
        guard !topic.isEmpty || properties.topicAlias != nil else { throw .protocolViolation("empty topic without alias") }
        return MQTTPublish(topic: topic, payload: reader.rest(), qos: qos, retain: flags & 0x01 != 0, duplicate: duplicate,
                           packetIdentifier: packetIdentifier, properties: properties)
    }
}
