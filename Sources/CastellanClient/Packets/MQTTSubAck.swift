/// A SUBACK packet: one reason code per topic filter of the SUBSCRIBE, in order.
public struct MQTTSubAck: Sendable, Hashable {
    /// The identifier of the SUBSCRIBE.
    public var packetIdentifier: UInt16
    /// Granted QoS (0, 1, 2) or a failure (0x80 and above), one per filter.
    public var reasonCodes: [MQTTReasonCode]
    /// SUBACK properties (5.0 only).
    public var properties: MQTTProperties

    /// A SUBACK.
    public init(packetIdentifier: UInt16, reasonCodes: [MQTTReasonCode], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension MQTTSubAck {
    static let v5Codes: Set<UInt8> = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]
    static let v311Codes: Set<UInt8> = [0x00, 0x01, 0x02, 0x80]

    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard packetIdentifier != 0 else { throw .protocolViolation("packet identifier 0") }
        guard !reasonCodes.isEmpty else { throw .protocolViolation("SUBACK without a reason code") }
        writer.uint16(packetIdentifier)
        if version == .v5 {
            try properties.encode(into: &writer, context: .suback)
        } else if !properties.isEmpty {
            throw .invalidProperty("MQTT 3.1.1 has no properties")
        }
        for code in reasonCodes { writer.byte(code.rawValue) }
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        let id = try reader.uint16()
        guard id != 0 else { throw .protocolViolation("packet identifier 0") }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &reader, context: .suback) : MQTTProperties()
        let allowed = version == .v5 ? v5Codes : v311Codes
        var codes: [MQTTReasonCode] = []
        while !reader.isAtEnd {
            let code = try reader.byte()
            guard allowed.contains(code) else { throw .invalidReasonCode("SUBACK reason code \(code)") }
            codes.append(MQTTReasonCode(rawValue: code))
        }
        guard !codes.isEmpty else { throw .protocolViolation("SUBACK without a reason code") }
        return MQTTSubAck(packetIdentifier: id, reasonCodes: codes, properties: properties)
    }
}
