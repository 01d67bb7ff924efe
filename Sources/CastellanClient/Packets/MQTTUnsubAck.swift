/// An UNSUBACK packet: in 5.0 one reason code per filter; in 3.1.1 just the identifier.
public struct MQTTUnsubAck: Sendable, Hashable {
    /// The identifier of the UNSUBSCRIBE.
    public var packetIdentifier: UInt16
    /// One per filter (5.0); empty in 3.1.1.
    public var reasonCodes: [MQTTReasonCode]
    /// UNSUBACK properties (5.0 only).
    public var properties: MQTTProperties

    /// An UNSUBACK.
    public init(packetIdentifier: UInt16, reasonCodes: [MQTTReasonCode] = [], properties: MQTTProperties = MQTTProperties()) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }
}

extension MQTTUnsubAck {
    static let codes: Set<UInt8> = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]

    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard packetIdentifier != 0 else { throw .protocolViolation("packet identifier 0") }
        writer.uint16(packetIdentifier)
        guard version == .v5 else {
            guard reasonCodes.isEmpty, properties.isEmpty else { throw .protocolViolation("MQTT 3.1.1 UNSUBACK has no codes") }
            return
        }
        guard !reasonCodes.isEmpty else { throw .protocolViolation("UNSUBACK without a reason code") }
        try properties.encode(into: &writer, context: .unsuback)
        for code in reasonCodes { writer.byte(code.rawValue) }
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        let id = try reader.uint16()
        guard id != 0 else { throw .protocolViolation("packet identifier 0") }
        guard version == .v5 else {
            try reader.expectEnd("UNSUBACK")
            return MQTTUnsubAck(packetIdentifier: id)
        }
        let properties = try MQTTProperties.decode(from: &reader, context: .unsuback)
        var codes: [MQTTReasonCode] = []
        while !reader.isAtEnd {
            let code = try reader.byte()
            guard Self.codes.contains(code) else { throw .invalidReasonCode("UNSUBACK reason code \(code)") }
            codes.append(MQTTReasonCode(rawValue: code))
        }
        guard !codes.isEmpty else { throw .protocolViolation("UNSUBACK without a reason code") }
        return MQTTUnsubAck(packetIdentifier: id, reasonCodes: codes, properties: properties)
    }
}
