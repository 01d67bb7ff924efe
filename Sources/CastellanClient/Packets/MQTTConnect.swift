/// A CONNECT packet: the first thing a client sends.
///
/// The password is never printed: ``description`` and the mirror redact it.
public struct MQTTConnect: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// The protocol level; decides whether properties are on the wire.
    public var protocolVersion: MQTTProtocolVersion
    /// The client identifier; empty asks the broker to assign one (5.0), or needs clean start (3.1.1).
    public var clientID: String
    /// Start a new session (3.1.1 "clean session").
    public var cleanStart: Bool
    /// Seconds between control packets; 0 turns keep-alive off.
    public var keepAlive: UInt16
    /// The username, if any.
    public var username: String?
    /// The password bytes, if any; never logged.
    public var password: [UInt8]?
    /// The will message, if any.
    public var will: MQTTWill?
    /// CONNECT properties (5.0 only; must be empty for 3.1.1).
    public var properties: MQTTProperties

    /// A CONNECT with the given fields; defaults: clean start, 60 s keep-alive, no credentials.
    public init(
        protocolVersion: MQTTProtocolVersion = .v5, clientID: String, cleanStart: Bool = true, keepAlive: UInt16 = 60,
        username: String? = nil, password: [UInt8]? = nil, will: MQTTWill? = nil, properties: MQTTProperties = MQTTProperties()
    ) {
        self.protocolVersion = protocolVersion
        self.clientID = clientID
        self.cleanStart = cleanStart
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.will = will
        self.properties = properties
    }

    /// Fields without the password.
    public var description: String {
        "CONNECT(v\(protocolVersion), client id \(clientID), user \(username ?? "-"), password \(password == nil ? "none" : "redacted"))"
    }

    /// A mirror without the password.
    public var customMirror: Mirror {
        Mirror(self, children: ["protocolVersion": protocolVersion, "clientID": clientID, "username": username as Any])
    }
}

/// The will message of a CONNECT: published by the broker when the client vanishes.
public struct MQTTWill: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The payload.
    public var payload: [UInt8]
    /// The QoS.
    public var qos: MQTTQoS
    /// Whether the broker retains it.
    public var retain: Bool
    /// Will properties (5.0 only).
    public var properties: MQTTProperties
    /// A will message.
    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false, properties: MQTTProperties = MQTTProperties()) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

extension MQTTConnect {
    private static let protocolName: [UInt8] = Array("MQTT".utf8)

    func encodeBody(into writer: inout MQTTByteWriter) throws(MQTTCodecError) {
        try writer.binary(Self.protocolName)
        writer.byte(protocolVersion.rawValue)
        var flags: UInt8 = cleanStart ? 0x02 : 0
        if let will {
            flags |= 0x04 | will.qos.rawValue << 3 | (will.retain ? 0x20 : 0)
        }
        if password != nil { flags |= 0x40 }
        if username != nil { flags |= 0x80 }
        writer.byte(flags)
        writer.uint16(keepAlive)
        if protocolVersion == .v5 {
            try properties.encode(into: &writer, context: .connect)
        } else {
            guard properties.isEmpty else { throw .invalidProperty("MQTT 3.1.1 has no properties") }
            guard username != nil || password == nil else { throw .protocolViolation("MQTT 3.1.1 password without username") }
        }
        try writer.string(clientID)
        if let will {
            if protocolVersion == .v5 { try will.properties.encode(into: &writer, context: .will) }
            try writer.string(will.topic)
            try writer.binary(will.payload)
        }
        if let username { try writer.string(username) }
        if let password { try writer.binary(password) }
    }

    static func decode(from reader: inout MQTTByteReader) throws(MQTTCodecError) -> Self {
        guard try reader.binary() == protocolName else { throw .unsupportedProtocol("protocol name is not MQTT") }
        guard let version = MQTTProtocolVersion(rawValue: try reader.byte()) else {
            throw .unsupportedProtocol("protocol level is not 4 or 5")
        }
        let flags = try reader.byte()
        guard flags & 0x01 == 0 else { throw .invalidFlags("CONNECT reserved flag set") }
        let hasWill = flags & 0x04 != 0
        let willQoS = (flags >> 3) & 0x03
        guard hasWill || (willQoS == 0 && flags & 0x20 == 0) else { throw .invalidFlags("will QoS/retain without will") }
        guard let qos = MQTTQoS(rawValue: willQoS) else { throw .invalidFlags("will QoS 3") }
        if version == .v3_1_1 && flags & 0x40 != 0 && flags & 0x80 == 0 {
            throw .protocolViolation("MQTT 3.1.1 password without username")
        }
        let keepAlive = try reader.uint16()
        let properties = version == .v5 ? try MQTTProperties.decode(from: &reader, context: .connect) : MQTTProperties()
        let clientID = try reader.string()
        var will: MQTTWill?
        if hasWill {
            let willProperties = version == .v5 ? try MQTTProperties.decode(from: &reader, context: .will) : MQTTProperties()
            will = MQTTWill(topic: try reader.string(), payload: try reader.binary(), qos: qos, retain: flags & 0x20 != 0,
                            properties: willProperties)
        }
        let username = flags & 0x80 != 0 ? try reader.string() : nil
        let password = flags & 0x40 != 0 ? try reader.binary() : nil
        try reader.expectEnd("CONNECT")
        return MQTTConnect(protocolVersion: version, clientID: clientID, cleanStart: flags & 0x02 != 0, keepAlive: keepAlive,
                           username: username, password: password, will: will, properties: properties)
    }
}
