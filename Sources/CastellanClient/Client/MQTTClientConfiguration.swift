/// Everything a ``MQTTClient`` needs to reach and log in to a broker.
///
/// The password is never printed (``description`` redacts it).
public struct MQTTClientConfiguration: Sendable, CustomStringConvertible {
    /// Host name or IP address of the broker.
    public var host: String
    /// TCP port; 1883 by default (8883 is usual for TLS).
    public var port: Int
    /// 5.0 by default; 3.1.1 has no enhanced authentication and no reason codes beyond CONNACK's.
    public var protocolVersion: MQTTProtocolVersion = .v5
    /// The client identifier; empty (the default) lets the broker assign one.
    public var clientID: String = ""
    /// Username for a password login, or `nil`.
    public var username: String?
    /// Password for a password login, or `nil`; never logged.
    public var password: String?
    /// Enhanced authentication (5.0 only), e.g. ``MQTTAuthentication/scram(_:username:password:)``.
    public var authentication: MQTTAuthentication?
    /// The local IP address to connect from, or `nil` to let the system choose. For a host with
    /// several addresses, and for tests that play clients on different addresses (any
    /// `127.0.0.0/8` address on Linux).
    public var localAddress: String?
    /// TLS settings, or `nil` for plain TCP.
    public var tls: MQTTTLSConfiguration?
    /// Renew the TLS client certificate over EST before connecting once it has passed
    /// ``CertificateRenewal/threshold`` of its lifetime; `nil` (the default) never renews. Needs
    /// ``tls`` with a certificate and key file, which the renewal replaces.
    public var renewal: CertificateRenewal?
    /// Keep-alive in seconds (0 turns it off); the client pings at this interval.
    public var keepAlive: UInt16 = 60
    /// Start a clean session.
    public var cleanStart = true
    /// Bound on every operation: TCP/TLS setup, CONNACK, each AUTH step, PUBACK, SUBACK,
    /// UNSUBACK. 10 seconds by default. On expiry the operation throws `timed_out`; a
    /// connect that timed out is closed.
    public var timeout: Duration = .seconds(10)
    /// The largest packet accepted from the broker (also announced in CONNECT on 5.0); 1 MiB.
    public var maximumPacketSize: Int = 1 << 20
    /// How many received messages wait in ``MQTTClient/messages`` before the oldest are dropped.
    public var messageBufferSize: Int = 10_000

    /// A configuration for `host:port` with defaults for everything else.
    public init(host: String, port: Int = 1883) {
        self.host = host
        self.port = port
    }

    /// Host, port, version, client id and user; never the password.
    public var description: String {
        "MQTTClientConfiguration(\(host):\(port), v\(protocolVersion), client id \(clientID.isEmpty ? "-" : clientID), "
            + "user \(username ?? "-"), tls \(tls != nil), enhanced auth \(authentication != nil))"
    }
}
