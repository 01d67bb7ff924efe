/// One message of the bridge protocol (docs/bridge-protocol.md), either direction.
///
/// Byte fields stay bytes: the plugin forwards what mosquitto hands it, and judging those
/// bytes (UTF-8, identity rules) is the service's job, not the codec's.
public enum BridgeMessage: Sendable, Hashable {
    // Plugin → service.
    case hello(version: UInt16, brokerID: String)
    case ping
    case basicAuth(BasicAuthRequest)
    case extAuth(ExtAuthRequest)
    case disconnect(connection: UInt64, generation: UInt64)
    /// The plugin's live admitted connections, sent after `HELLO_ACK` in one or more frames
    /// (the last one says so): what the service rebuilds its session directory from.
    case sessions(SessionReport)
    // Service → plugin.
    case helloAck(version: UInt16)
    case pong
    case decision(BridgeDecision)
    /// Disconnect one connection — only if the plugin's connection `connection` still has this
    /// `generation` (a reused handle belongs to another client).
    case kick(connection: UInt64, generation: UInt64)
    /// Replace the rules of one connection, under the same condition as ``kick(connection:generation:)``.
    case setRules(connection: UInt64, generation: UInt64, rules: [UInt8])
    /// Publish `payload` to `topic` as the broker itself (QoS 0, not retained); only topics under
    /// `$castellan/` — the plugin refuses any other.
    case publish(topic: String, payload: [UInt8])

    /// Who sends it.
    public var direction: BridgeDirection {
        switch self {
        case .hello, .ping, .basicAuth, .extAuth, .disconnect, .sessions: .plugin
        case .helloAck, .pong, .decision, .kick, .setRules, .publish: .service
        }
    }

    /// Notifications and pushes carry request id 0; everything else a non-zero id.
    var isNotification: Bool {
        switch self {
        case .disconnect, .sessions, .kick, .setRules, .publish: true
        default: false
        }
    }
}

/// Which side sends a message: the broker plugin or the service.
public enum BridgeDirection: String, Sendable, Hashable {
    case plugin
    case service
}

/// The MQTT protocol version of a connection, as mosquitto reports it.
public enum MQTTProtocolLevel: UInt8, Sendable, Hashable {
    case v31 = 3
    case v311 = 4
    case v5 = 5
}

/// `MOSQ_EVT_BASIC_AUTH`: a CONNECT without an authentication method.
public struct BasicAuthRequest: Sendable, Hashable {
    public var connection: UInt64
    /// The plugin's generation of `connection`: tells this client from a later one on a reused handle.
    public var generation: UInt64
    public var protocolLevel: MQTTProtocolLevel
    public var address: String
    /// The port of the broker listener the client connected to; 0 when the broker cannot say
    /// (mosquitto 2.0 has no `mosquitto_client_port`).
    public var listenerPort: UInt16
    public var clientID: [UInt8]?
    public var username: [UInt8]?
    public var password: [UInt8]?
    /// The client certificate (DER), empty when the client presented none.
    public var certificate: [UInt8]

    public init(connection: UInt64, generation: UInt64 = 1, protocolLevel: MQTTProtocolLevel, address: String, listenerPort: UInt16 = 0,
                clientID: [UInt8]?, username: [UInt8]?, password: [UInt8]?, certificate: [UInt8] = []) {
        self.connection = connection
        self.generation = generation
        self.protocolLevel = protocolLevel
        self.address = address
        self.listenerPort = listenerPort
        self.clientID = clientID
        self.username = username
        self.password = password
        self.certificate = certificate
    }
}

/// `MOSQ_EVT_EXT_AUTH_START` / `_CONTINUE`: one step of MQTT 5 enhanced authentication.
public struct ExtAuthRequest: Sendable, Hashable {
    /// Which callback this step came from.
    public enum Step: UInt8, Sendable, Hashable {
        case start = 0
        case `continue` = 1
        /// A START on a connection that is already authenticated (AUTH with reason 0x19).
        case reauthenticate = 2
    }

    public var connection: UInt64
    /// See ``BasicAuthRequest/generation``; the same for every step of one connection.
    public var generation: UInt64
    public var protocolLevel: MQTTProtocolLevel
    public var step: Step
    public var address: String
    /// See ``BasicAuthRequest/listenerPort``: where the service learns whether the exchange
    /// runs inside its TLS password listener, the one place it offers SCRAM `-PLUS`.
    public var listenerPort: UInt16
    public var method: String
    public var clientID: [UInt8]?
    public var username: [UInt8]?
    public var data: [UInt8]
    public var certificate: [UInt8]

    public init(connection: UInt64, generation: UInt64 = 1, protocolLevel: MQTTProtocolLevel = .v5, step: Step, address: String,
                listenerPort: UInt16 = 0, method: String, clientID: [UInt8]?, username: [UInt8]?, data: [UInt8],
                certificate: [UInt8] = []) {
        self.connection = connection
        self.generation = generation
        self.protocolLevel = protocolLevel
        self.step = step
        self.address = address
        self.listenerPort = listenerPort
        self.method = method
        self.clientID = clientID
        self.username = username
        self.data = data
        self.certificate = certificate
    }
}

/// The service's answer to an auth request.
public struct BridgeDecision: Sendable, Hashable {
    public enum Result: UInt8, Sendable, Hashable {
        case deny = 0
        case allow = 1
        case `continue` = 2
    }

    public var result: Result
    /// The request's generation, echoed: the plugin discards a decision whose generation is not
    /// its connection's current one. ``BrokerSession`` sets it; handlers need not.
    public var generation: UInt64
    /// On allow: the device identity the broker names the connection by.
    public var username: String
    /// On allow: the connection's ACL rules in the wire format of docs/acl-format.md §3.
    public var rules: [UInt8]
    /// On continue: the AUTH data for the client; on allow: the final server data, if any.
    public var data: [UInt8]
    /// On allow: the session tag, at most ``maxTagLength`` bytes, which the plugin keeps with the
    /// connection without reading it and reports back in ``BridgeMessage/sessions(_:)``.
    public var tag: [UInt8]

    /// The longest session tag either side accepts.
    public static let maxTagLength = 512

    public init(result: Result, generation: UInt64 = 0, username: String = "", rules: [UInt8] = [], data: [UInt8] = [],
                tag: [UInt8] = []) {
        self.result = result
        self.generation = generation
        self.username = username
        self.rules = rules
        self.data = data
        self.tag = tag
    }

    /// A refusal: no name, no rules, no data — the broker learns nothing else.
    public static let deny = BridgeDecision(result: .deny)
}

/// One batch of the plugin's live admitted connections (``BridgeMessage/sessions(_:)``).
public struct SessionReport: Sendable, Hashable {
    /// Whether this is the last batch of the report the plugin began after `HELLO_ACK`.
    public var last: Bool
    public var connections: [LiveConnection]

    public init(last: Bool, connections: [LiveConnection]) {
        self.last = last
        self.connections = connections
    }
}

/// A connection the plugin admitted and still holds: what it was told at the allow.
public struct LiveConnection: Sendable, Hashable {
    public var connection: UInt64
    public var generation: UInt64
    /// The client id as mosquitto reported it (the service admitted only UTF-8 ones).
    public var clientID: [UInt8]
    /// The ``BridgeDecision/tag`` of the allow, as the plugin stored it.
    public var tag: [UInt8]

    public init(connection: UInt64, generation: UInt64, clientID: [UInt8], tag: [UInt8]) {
        self.connection = connection
        self.generation = generation
        self.clientID = clientID
        self.tag = tag
    }
}
