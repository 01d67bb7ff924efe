/// An MQTT 5 reason code, or an MQTT 3.1.1 CONNACK return code, as the broker sent it.
///
/// An open set (a struct over the byte) so unknown codes can still be reported; the codec
/// checks which codes each packet type may carry. Codes of 0x80 and above are failures.
public struct MQTTReasonCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The byte on the wire.
    public let rawValue: UInt8
    /// Wraps a byte.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Success, normal disconnection, granted QoS 0.
    public static let success = Self(rawValue: 0x00)
    /// Granted QoS 1 (SUBACK).
    public static let grantedQoS1 = Self(rawValue: 0x01)
    /// Granted QoS 2 (SUBACK).
    public static let grantedQoS2 = Self(rawValue: 0x02)
    /// Disconnect with will message.
    public static let disconnectWithWill = Self(rawValue: 0x04)
    /// PUBACK: accepted, but nobody subscribes.
    public static let noMatchingSubscribers = Self(rawValue: 0x10)
    /// UNSUBACK: there was no such subscription.
    public static let noSubscriptionExisted = Self(rawValue: 0x11)
    /// AUTH: the exchange goes on.
    public static let continueAuthentication = Self(rawValue: 0x18)
    /// AUTH: the client starts a re-authentication.
    public static let reauthenticate = Self(rawValue: 0x19)
    /// Unspecified error.
    public static let unspecifiedError = Self(rawValue: 0x80)
    /// Malformed packet.
    public static let malformedPacket = Self(rawValue: 0x81)
    /// Protocol error.
    public static let protocolError = Self(rawValue: 0x82)
    /// Implementation specific error.
    public static let implementationSpecificError = Self(rawValue: 0x83)
    /// Unsupported protocol version.
    public static let unsupportedProtocolVersion = Self(rawValue: 0x84)
    /// Client identifier not valid.
    public static let clientIdentifierNotValid = Self(rawValue: 0x85)
    /// Bad user name or password.
    public static let badUsernameOrPassword = Self(rawValue: 0x86)
    /// Not authorized: what mosquitto answers to a refused login.
    public static let notAuthorized = Self(rawValue: 0x87)
    /// Server unavailable.
    public static let serverUnavailable = Self(rawValue: 0x88)
    /// Server busy.
    public static let serverBusy = Self(rawValue: 0x89)
    /// Banned.
    public static let banned = Self(rawValue: 0x8A)
    /// Server shutting down.
    public static let serverShuttingDown = Self(rawValue: 0x8B)
    /// Bad authentication method.
    public static let badAuthenticationMethod = Self(rawValue: 0x8C)
    /// Keep alive timeout.
    public static let keepAliveTimeout = Self(rawValue: 0x8D)
    /// Session taken over.
    public static let sessionTakenOver = Self(rawValue: 0x8E)
    /// Topic filter invalid.
    public static let topicFilterInvalid = Self(rawValue: 0x8F)
    /// Topic name invalid.
    public static let topicNameInvalid = Self(rawValue: 0x90)
    /// Packet identifier in use.
    public static let packetIdentifierInUse = Self(rawValue: 0x91)
    /// Packet too large.
    public static let packetTooLarge = Self(rawValue: 0x95)
    /// Quota exceeded.
    public static let quotaExceeded = Self(rawValue: 0x97)
    /// Administrative action (mosquitto kicks a revoked client with this).
    public static let administrativeAction = Self(rawValue: 0x98)
    /// Payload format invalid.
    public static let payloadFormatInvalid = Self(rawValue: 0x99)

    /// `true` for codes under 0x80.
    public var isSuccess: Bool { rawValue < 0x80 }

    /// `0x87` with a name when known, e.g. `0x87 (not authorized)`.
    public var description: String {
        let hex = "0x" + (rawValue < 0x10 ? "0" : "") + String(rawValue, radix: 16)
        guard let name = Self.names[rawValue] else { return hex }
        return "\(hex) (\(name))"
    }

    private static let names: [UInt8: String] = [
        0x00: "success", 0x01: "granted QoS 1", 0x02: "granted QoS 2", 0x04: "disconnect with will",
        0x10: "no matching subscribers", 0x11: "no subscription existed", 0x18: "continue authentication",
        0x19: "re-authenticate", 0x80: "unspecified error", 0x81: "malformed packet", 0x82: "protocol error",
        0x83: "implementation specific error", 0x84: "unsupported protocol version",
        0x85: "client identifier not valid", 0x86: "bad user name or password", 0x87: "not authorized",
        0x88: "server unavailable", 0x89: "server busy", 0x8A: "banned", 0x8B: "server shutting down",
        0x8C: "bad authentication method", 0x8D: "keep alive timeout", 0x8E: "session taken over",
        0x8F: "topic filter invalid", 0x90: "topic name invalid", 0x91: "packet identifier in use",
        0x92: "packet identifier not found", 0x93: "receive maximum exceeded", 0x94: "topic alias invalid",
        0x95: "packet too large", 0x96: "message rate too high", 0x97: "quota exceeded",
        0x98: "administrative action", 0x99: "payload format invalid", 0x9A: "retain not supported",
        0x9B: "QoS not supported", 0x9C: "use another server", 0x9D: "server moved",
        0x9E: "shared subscriptions not supported", 0x9F: "connection rate exceeded",
        0xA0: "maximum connect time", 0xA1: "subscription identifiers not supported",
        0xA2: "wildcard subscriptions not supported",
    ]
}
