/// A SUBSCRIBE packet: one or more topic filters with their options.
public struct MQTTSubscribe: Sendable, Hashable {
    /// The identifier the SUBACK will carry, never 0.
    public var packetIdentifier: UInt16
    /// At least one subscription.
    public var subscriptions: [MQTTSubscription]
    /// SUBSCRIBE properties (5.0 only): subscription identifier, user properties.
    public var properties: MQTTProperties

    /// A SUBSCRIBE.
    public init(packetIdentifier: UInt16, subscriptions: [MQTTSubscription], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
        self.properties = properties
    }
}

/// One topic filter of a SUBSCRIBE with its options (the 5.0 options are 0 in 3.1.1).
public struct MQTTSubscription: Sendable, Hashable {
    /// The topic filter, wildcards allowed.
    public var topicFilter: String
    /// The highest QoS wanted.
    public var qos: MQTTQoS
    /// 5.0: do not receive own publications.
    public var noLocal: Bool
    /// 5.0: keep the retain flag as published.
    public var retainAsPublished: Bool
    /// 5.0: 0 send retained on subscribe, 1 only for new subscriptions, 2 never.
    public var retainHandling: UInt8
    /// A subscription with default options.
    public init(topicFilter: String, qos: MQTTQoS = .atMostOnce, noLocal: Bool = false, retainAsPublished: Bool = false, retainHandling: UInt8 = 0) {
        self.topicFilter = topicFilter
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }
}

extension MQTTSubscribe {
    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard packetIdentifier != 0 else { throw .protocolViolation("packet identifier 0") }
        guard !subscriptions.isEmpty else { throw .protocolViolation("SUBSCRIBE without a topic filter") }
        writer.uint16(packetIdentifier)
        if version == .v5 {
            try properties.encode(into: &writer, context: .subscribe)
        } else if !properties.isEmpty {
            throw .invalidProperty("MQTT 3.1.1 has no properties")
        }
        for subscription in subscriptions {
            guard subscription.retainHandling <= 2 else { throw .protocolViolation("retain handling over 2") }
            guard !subscription.topicFilter.isEmpty else { throw .protocolViolation("empty topic filter") }
            try writer.string(subscription.topicFilter)
            var options = subscription.qos.rawValue
            if version == .v5 {
                options |= (subscription.noLocal ? 0x04 : 0) | (subscription.retainAsPublished ? 0x08 : 0)
                options |= subscription.retainHandling << 4
            } else if subscription.noLocal || subscription.retainAsPublished || subscription.retainHandling != 0 {
                throw .protocolViolation("MQTT 3.1.1 has no subscription options")
            }
            writer.byte(options)
        }
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        let id = try reader.uint16()
        guard id != 0 else { throw .protocolViolation("packet identifier 0") }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &reader, context: .subscribe) : MQTTProperties()
        var subscriptions: [MQTTSubscription] = []
        while !reader.isAtEnd {
            let filter = try reader.string()
            guard !filter.isEmpty else { throw .protocolViolation("empty topic filter") }
            let options = try reader.byte()
            let reservedMask: UInt8 = version == .v5 ? 0xC0 : 0xFC
            guard options & reservedMask == 0 else { throw .invalidFlags("reserved subscription option bits set") }
            guard let qos = MQTTQoS(rawValue: options & 0x03) else { throw .invalidFlags("subscription QoS 3") }
            let retainHandling = (options >> 4) & 0x03
            guard retainHandling <= 2 else { throw .invalidFlags("retain handling 3") }
            subscriptions.append(MQTTSubscription(topicFilter: filter, qos: qos, noLocal: options & 0x04 != 0,
                                                  retainAsPublished: options & 0x08 != 0, retainHandling: retainHandling))
        }
        guard !subscriptions.isEmpty else { throw .protocolViolation("SUBSCRIBE without a topic filter") }
        return MQTTSubscribe(packetIdentifier: id, subscriptions: subscriptions, properties: properties)
    }
}
