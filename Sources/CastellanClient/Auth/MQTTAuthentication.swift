import CastellanAuth
import Foundation

/// How a client proves who it is with enhanced authentication: a factory of fresh
/// ``EnhancedAuthMechanism`` values, one per exchange (connect and each re-authentication).
///
/// A factory rather than a value because SCRAM exchanges are single-use, a TOTP code must be
/// computed when the exchange starts, not when the client was configured, and channel binding
/// needs the certificate the broker presented on this very connection.
public struct MQTTAuthentication: Sendable {
    /// Makes the mechanism for one exchange on `channel`; a throw fails that connect or
    /// re-authentication.
    public let makeMechanism: @Sendable (_ channel: MQTTAuthenticationChannel) throws -> any EnhancedAuthMechanism

    /// Any mechanism that does not look at the connection.
    public init(_ makeMechanism: @escaping @Sendable () throws -> any EnhancedAuthMechanism) {
        self.makeMechanism = { _ in try makeMechanism() }
    }

    /// Any mechanism, made knowing what the connection offers (its channel binding).
    public init(perChannel makeMechanism: @escaping @Sendable (_ channel: MQTTAuthenticationChannel) throws -> any EnhancedAuthMechanism) {
        self.makeMechanism = makeMechanism
    }

    /// SCRAM with a password. Its exchanges share one ``SCRAMKeyCache``: reconnects and
    /// re-authentications to the same server skip PBKDF2.
    ///
    /// - Parameter channelBinding: `true` (the default): over TLS, the `-PLUS` form of
    ///   `mechanism`, bound to the certificate the broker presented in this connection's
    ///   handshake (`tls-server-end-point`), so a relay that terminates TLS itself cannot pass
    ///   the exchange on; over plain TCP, `mechanism` as it is. `false`: never bind (gs2 flag
    ///   `n`), for brokers that offer no `-PLUS` over TLS — Castellan offers it on its TLS
    ///   password listener with mosquitto 2.1 only.
    public static func scram(_ mechanism: SCRAMMechanism, username: String, password: String, channelBinding: Bool = true) -> Self {
        let keys = SCRAMKeyCache()
        return Self(perChannel: { channel in
            let (chosen, binding) = channel.scram(mechanism, binding: channelBinding)
            return try SCRAMAuthMechanism(mechanism: chosen, username: username, password: password, channelBinding: binding, keyCache: keys)
        })
    }

    /// SCRAM with a password and the TOTP code current when each exchange starts, sent as `t=`;
    /// `channelBinding` as for ``scram(_:username:password:channelBinding:)``.
    ///
    /// - Parameter now: Unix seconds; the system clock by default, injectable for tests.
    public static func scramWithTOTP(
        _ mechanism: SCRAMMechanism, username: String, password: String, totp: TOTP, channelBinding: Bool = true,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970.rounded(.down)) }
    ) -> Self {
        let keys = SCRAMKeyCache()
        return Self(perChannel: { channel in
            let (chosen, binding) = channel.scram(mechanism, binding: channelBinding)
            return try SCRAMAuthMechanism(mechanism: chosen, username: username, password: password,
                                          totpCode: try totp.code(at: now()), channelBinding: binding, keyCache: keys)
        })
    }
}

/// What a connection offers an enhanced-authentication exchange.
public struct MQTTAuthenticationChannel: Sendable, Hashable {
    /// `tls-server-end-point` data (RFC 5929 §4) of the certificate the broker presented in
    /// this connection's TLS handshake; `nil` on plain TCP.
    public var tlsServerEndPoint: SCRAMChannelBinding?

    /// A connection offering `tlsServerEndPoint` (none: plain TCP).
    public init(tlsServerEndPoint: SCRAMChannelBinding? = nil) {
        self.tlsServerEndPoint = tlsServerEndPoint
    }

    /// The SCRAM mechanism to use and the binding data to give it: the `-PLUS` form when
    /// `binding` is wanted and this connection has data to bind to; otherwise `mechanism` as
    /// given, unbound (a `-PLUS` one then fails its exchange: nothing to bind to).
    func scram(_ mechanism: SCRAMMechanism, binding: Bool) -> (SCRAMMechanism, SCRAMChannelBinding?) {
        guard binding, let tlsServerEndPoint else { return (mechanism, nil) }
        return (SCRAMMechanism(hashFunction: mechanism.hashFunction, usesChannelBinding: true), tlsServerEndPoint)
    }
}
