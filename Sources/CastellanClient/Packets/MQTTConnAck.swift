/// A CONNACK packet: the broker's answer to CONNECT (or to the last AUTH of an exchange).
public struct MQTTConnAck: Sendable, Hashable {
    /// The broker resumed a stored session.
    public var sessionPresent: Bool
    /// 5.0 reason code, or the 3.1.1 return code (0 accepted … 5 not authorized).
    public var reasonCode: MQTTReasonCode
    /// CONNACK properties (5.0 only): assigned client id, limits, authentication data…
    public var properties: MQTTProperties

    /// A CONNACK.
    public init(sessionPresent: Bool = false, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = MQTTProperties()) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }

    /// `true` when the connection was accepted.
    public var isAccepted: Bool { reasonCode == .success }
}

extension MQTTConnAck {
    static let v5Codes: Set<UInt8> = [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C,
                                      0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F]

    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        writer.byte(sessionPresent ? 1 : 0)
        writer.byte(reasonCode.rawValue)
        if version == .v5 {
            try properties.encode(into: &writer, context: .connack)
        } else if !properties.isEmpty {
            throw .invalidProperty("MQTT 3.1.1 has no properties")
        }
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        let acknowledge = try reader.byte()
        guard acknowledge & 0xFE == 0 else { throw .invalidFlags("CONNACK reserved flags set") }
        let code = try reader.byte()
        switch version {
        case .v5: guard v5Codes.contains(code) else { throw .invalidReasonCode("CONNACK reason code \(code)") }
        case .v3_1_1: guard code <= 5 else { throw .invalidReasonCode("CONNACK return code \(code)") }
        }
        guard code == 0 || acknowledge == 0 else { throw .protocolViolation("session present on a refused CONNACK") }
        let properties = version == .v5 ? try MQTTProperties.decode(from: &reader, context: .connack) : MQTTProperties()
        try reader.expectEnd("CONNACK")
        return MQTTConnAck(sessionPresent: acknowledge == 1, reasonCode: MQTTReasonCode(rawValue: code), properties: properties)
    }
}
