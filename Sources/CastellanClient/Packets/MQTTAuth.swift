/// An AUTH packet (5.0 only): one step of an enhanced-authentication exchange.
///
/// Reason codes: 0x18 continue, 0x19 re-authenticate (client starts a new exchange on a live
/// connection), 0x00 success (the broker ends a re-authentication).
public struct MQTTAuth: Sendable, Hashable {
    /// 0x00, 0x18 or 0x19; the codec refuses any other.
    public var reasonCode: MQTTReasonCode
    /// Must name the method of the exchange when the code is not success.
    public var properties: MQTTProperties

    /// An AUTH packet.
    public init(reasonCode: MQTTReasonCode, properties: MQTTProperties = MQTTProperties()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }

    /// An AUTH carrying `method` and `data`.
    public init(reasonCode: MQTTReasonCode, method: String, data: [UInt8]?) {
        var properties = MQTTProperties()
        properties.authenticationMethod = method
        properties.authenticationData = data
        self.init(reasonCode: reasonCode, properties: properties)
    }
}

extension MQTTAuth {
    static let codes: Set<UInt8> = [0x00, 0x18, 0x19]

    func encodeBody(into writer: inout MQTTByteWriter, version: MQTTProtocolVersion) throws(MQTTCodecError) {
        guard version == .v5 else { throw .unsupportedPacketType("AUTH needs MQTT 5") }
        guard Self.codes.contains(reasonCode.rawValue) else { throw .invalidReasonCode("AUTH reason code \(reasonCode)") }
        guard reasonCode == .success || properties.authenticationMethod != nil else {
            throw .protocolViolation("AUTH without an authentication method")
        }
        writer.byte(reasonCode.rawValue)
        try properties.encode(into: &writer, context: .auth)
    }

    static func decode(from reader: inout MQTTByteReader, version: MQTTProtocolVersion) throws(MQTTCodecError) -> Self {
        guard version == .v5 else { throw .unsupportedPacketType("AUTH in MQTT 3.1.1") }
        var auth = MQTTAuth(reasonCode: .success)
        if !reader.isAtEnd {
            let code = try reader.byte()
            guard codes.contains(code) else { throw .invalidReasonCode("AUTH reason code \(code)") }
            auth.reasonCode = MQTTReasonCode(rawValue: code)
            if !reader.isAtEnd { auth.properties = try MQTTProperties.decode(from: &reader, context: .auth) }
        }
        try reader.expectEnd("AUTH")
        if auth.reasonCode != .success && auth.properties.authenticationMethod == nil {
            throw .protocolViolation("AUTH without an authentication method")
        }
        return auth
    }
}
