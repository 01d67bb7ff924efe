import CastellanAuth
import Foundation

/// How a client proves who it is with enhanced authentication: a factory of fresh
/// ``EnhancedAuthMechanism`` values, one per exchange (connect and each re-authentication).
///
/// A factory rather than a value because SCRAM exchanges are single-use and a TOTP code must be
/// computed when the exchange starts, not when the client was configured.
public struct MQTTAuthentication: Sendable {
    /// Makes the mechanism for one exchange; a throw fails that connect or re-authentication.
    public let makeMechanism: @Sendable () throws -> any EnhancedAuthMechanism

    /// Any mechanism.
    public init(_ makeMechanism: @escaping @Sendable () throws -> any EnhancedAuthMechanism) {
        self.makeMechanism = makeMechanism
    }

    /// SCRAM with a password. Its exchanges share one ``SCRAMKeyCache``: reconnects and
    /// re-authentications to the same server skip PBKDF2.
    public static func scram(_ mechanism: SCRAMMechanism, username: String, password: String) -> Self {
        let keys = SCRAMKeyCache()
        return Self { try SCRAMAuthMechanism(mechanism: mechanism, username: username, password: password, keyCache: keys) }
    }

    /// SCRAM with a password and the TOTP code current when each exchange starts, sent as `t=`.
    ///
    /// - Parameter now: Unix seconds; the system clock by default, injectable for tests.
    public static func scramWithTOTP(
        _ mechanism: SCRAMMechanism, username: String, password: String, totp: TOTP,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970.rounded(.down)) }
    ) -> Self {
        let keys = SCRAMKeyCache()
        return Self {
            try SCRAMAuthMechanism(mechanism: mechanism, username: username, password: password,
                                   totpCode: try totp.code(at: now()), keyCache: keys)
        }
    }
}
