/// A PUBACK packet: the acknowledgement of a QoS 1 PUBLISH, with a reason code in 5.0.
public struct MQTTPubAck: Sendable, Hashable {
    /// The identifier of the acknowledged PUBLISH, never 0.
    public var packetIdentifier: UInt16
    /// 5.0 reason code (always success in 3.1.1), e.g. `0x10` no matching subscribers.
    public var reasonCode: MQTTReasonCode
    /// PUBACK properties (5.0 only): reason string, user properties.
    public var properties: MQTTProperties

    /// A PUBACK.
    public init(packetIdentifier: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTPubAck {
    static let codes: Set<UInt8> = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]

    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard packetIdentifier != 0 else { throw .protocolViolation("packet identifier 0") }
        writer.uint16(packetIdentifier)
        guard version == .v5 else {
            guard reasonCode == .success, properties.isEmpty else { throw .protocolViolation("MQTT 3.1.1 PUBACK has no reason") }
            return
        }
        writer.byte(reasonCode.rawValue)
        try properties.encode(into: &writer, context: .puback)
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        let id = try reader.uint16()
        guard id != 0 else { throw .protocolViolation("packet identifier 0") }
        var ack = MQTTPubAck(packetIdentifier: id)
        if version == .v5 && !reader.isAtEnd {
            let code = try reader.byte()
            guard codes.contains(code) else { throw .invalidReasonCode("PUBACK reason code \(code)") }
            ack.reasonCode = MQTTReasonCode(rawValue: code)
            if !reader.isAtEnd { ack.properties = try MQTTProperties.decode(from: &reader, context: .puback) }
        }
        try reader.expectEnd("PUBACK")
        return ack
    }
}
