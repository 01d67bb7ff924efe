/// An UNSUBSCRIBE packet: topic filters to drop.
public struct MQTTUnsubscribe: Sendable, Hashable {
    /// The identifier the UNSUBACK will carry, never 0.
    public var packetIdentifier: UInt16
    /// At least one topic filter.
    public var topicFilters: [String]
    /// UNSUBSCRIBE properties (5.0 only): user properties.
    public var properties: MQTTProperties

    /// An UNSUBSCRIBE.
    public init(packetIdentifier: UInt16, topicFilters: [String], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
        self.properties = properties
    }
}

extension MQTTUnsubscribe {
    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard packetIdentifier != 0 else { throw .protocolViolation("packet identifier 0") }
        guard !topicFilters.isEmpty else { throw .protocolViolation("UNSUBSCRIBE without a topic filter") }
        writer.uint16(packetIdentifier)
        if version == .v5 {
            try properties.encode(into: &writer, context: .unsubscribe)
        } else if !properties.isEmpty {
            throw .invalidProperty("MQTT 3.1.1 has no properties")
        }
        for filter in topicFilters { try writer.string(filter) }
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        let id = try reader.uint16()
        guard id != 0 else { throw .protocolViolation("packet identifier 0") }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &reader, context: .unsubscribe) : MQTTProperties()
        var filters: [String] = []
        while !reader.isAtEnd { filters.append(try reader.string()) }
        guard !filters.isEmpty else { throw .protocolViolation("UNSUBSCRIBE without a topic filter") }
        return MQTTUnsubscribe(packetIdentifier: id, topicFilters: filters, properties: properties)
    }
}
