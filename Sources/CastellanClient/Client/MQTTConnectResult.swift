/// What the broker answered to a successful CONNECT.
public struct MQTTConnectResult: Sendable, Hashable {
    /// The broker resumed a stored session.
    public var sessionPresent: Bool
    /// Always success for a result (refusals throw).
    public var reasonCode: MQTTReasonCode
    /// The client id in use: the one assigned by the broker when the client sent none.
    public var clientID: String
    /// The CONNACK properties (limits, assigned client id, reason string…).
    public var properties: MQTTProperties
}
