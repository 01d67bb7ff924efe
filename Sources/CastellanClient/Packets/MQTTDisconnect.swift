/// A DISCONNECT packet, sent by either side in 5.0 (client only, without content, in 3.1.1).
public struct MQTTDisconnect: Sendable, Hashable {
    /// Why: 0x00 normal, 0x8E session taken over, 0x98 administrative action…
    public var reasonCode: MQTTReasonCode
    /// DISCONNECT properties (5.0 only): reason string, session expiry, server reference.
    public var properties: MQTTProperties

    /// A DISCONNECT; the default is a normal disconnection.
    public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTDisconnect {
    static let codes: Set<UInt8> = [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90,
                                    0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
                                    0xA0, 0xA1, 0xA2]

    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard version == .v5 else {
            guard reasonCode == .success, properties.isEmpty else { throw .protocolViolation("MQTT 3.1.1 DISCONNECT has no reason") }
            return
        }
        writer.byte(reasonCode.rawValue)
        try properties.encode(into: &writer, context: .disconnect)
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        var disconnect = MQTTDisconnect()
        if version == .v5 && !reader.isAtEnd {
            let code = try reader.byte()
            guard codes.contains(code) else { throw .invalidReasonCode("DISCONNECT reason code \(code)") }
            disconnect.reasonCode = MQTTReasonCode(rawValue: code)
            if !reader.isAtEnd { disconnect.properties = try MQTTProperties.decode(from: &reader, context: .disconnect) }
        }
        try reader.expectEnd("DISCONNECT")
        return disconnect
    }
}
