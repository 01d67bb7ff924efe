/// One MQTT control packet, as the codec reads and writes it.
///
/// QoS 2's PUBREC/PUBREL/PUBCOMP are not spoken by this client: receiving one is a typed
/// ``MQTTCodecError/Code/unsupportedPacketType`` error.
public enum MQTTPacket: Sendable, Hashable {
    /// CONNECT (client → broker).
    case connect(MQTTConnect)
    /// CONNACK (broker → client).
    case connack(MQTTConnAck)
    /// PUBLISH (both ways).
    case publish(MQTTPublish)
    /// PUBACK (both ways).
    case puback(MQTTPubAck)
    /// SUBSCRIBE (client → broker).
    case subscribe(MQTTSubscribe)
    /// SUBACK (broker → client).
    case suback(MQTTSubAck)
    /// UNSUBSCRIBE (client → broker).
    case unsubscribe(MQTTUnsubscribe)
    /// UNSUBACK (broker → client).
    case unsuback(MQTTUnsubAck)
    /// PINGREQ (client → broker).
    case pingreq
    /// PINGRESP (broker → client).
    case pingresp
    /// DISCONNECT (both ways in 5.0).
    case disconnect(MQTTDisconnect)
    /// AUTH (both ways, 5.0 only).
    case auth(MQTTAuth)

    /// The packet type: the high nibble of the first byte.
    public var typeCode: UInt8 {
        switch self {
        case .connect: 1
        case .connack: 2
        case .publish: 3
        case .puback: 4
        case .subscribe: 8
        case .suback: 9
        case .unsubscribe: 10
        case .unsuback: 11
        case .pingreq: 12
        case .pingresp: 13
        case .disconnect: 14
        case .auth: 15
        }
    }

    /// The packet's name for logs and errors, e.g. `CONNACK`.
    public var name: String {
        switch self {
        case .connect: "CONNECT"
        case .connack: "CONNACK"
        case .publish: "PUBLISH"
        case .puback: "PUBACK"
        case .subscribe: "SUBSCRIBE"
        case .suback: "SUBACK"
        case .unsubscribe: "UNSUBSCRIBE"
        case .unsuback: "UNSUBACK"
        case .pingreq: "PINGREQ"
        case .pingresp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        case .auth: "AUTH"
        }
    }

    /// The whole packet on the wire for `version` (CONNECT uses its own version).
    ///
    /// - Throws: ``MQTTCodecError`` when a field does not fit (strings over 65,535 bytes, a
    ///   packet over 268,435,455 bytes), a property is not allowed in this packet, or the
    ///   packet breaks a rule of `version` (properties or reason codes in 3.1.1, AUTH in 3.1.1).
    public func encode(version: MQTTProtocolVersion) throws(MQTTCodecError) -> [UInt8] {
        var body = MQTTByteWriter()
        var flags: UInt8 = 0
        switch self {
        case .connect(let packet): try packet.encodeBody(into: &body)
        case .connack(let packet): try packet.encodeBody(into: &body, version: version)
        case .publish(let packet):
            flags = packet.flags
            try packet.encodeBody(into: &body, version: version)
        case .puback(let packet): try packet.encodeBody(into: &body, version: version)
        case .subscribe(let packet):
            flags = 0x02
            try packet.encodeBody(into: &body, version: version)
        case .suback(let packet): try packet.encodeBody(into: &body, version: version)
        case .unsubscribe(let packet):
            flags = 0x02
            try packet.encodeBody(into: &body, version: version)
        case .unsuback(let packet): try packet.encodeBody(into: &body, version: version)
        case .pingreq, .pingresp: break
        case .disconnect(let packet): try packet.encodeBody(into: &body, version: version)
        case .auth(let packet): try packet.encodeBody(into: &body, version: version)
        }
        var packet = MQTTByteWriter()
        packet.byte(typeCode << 4 | flags)
        try packet.variableInteger(body.bytes.count)
        packet.append(body.bytes)
        return packet.bytes
    }
}
