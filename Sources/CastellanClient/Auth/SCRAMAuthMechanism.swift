import CastellanAuth

/// SCRAM-SHA-256/-512 (optionally with a TOTP code as `t=`) as an ``EnhancedAuthMechanism``.
///
/// A thin adapter over CastellanAuth's ``SCRAMClient``: client-first goes in CONNECT,
/// server-first arrives in AUTH 0x18 and client-final answers it, server-final arrives in the
/// CONNACK's (or AUTH 0x00's) Authentication Data. A missing or wrong server signature throws
/// in ``finish(with:)``, so the connection fails: the broker must know the credential too.
/// Should a broker send server-final in another AUTH 0x18, it is verified there and answered
/// with empty data. Errors carry SCRAM codes, never the password or the TOTP code.
public struct SCRAMAuthMechanism: EnhancedAuthMechanism {
    private var client: SCRAMClient
    private var step = Step.initial

    private enum Step: Sendable { case initial, sentFirst, sentFinal, verified }

    /// The SASL name, e.g. `SCRAM-SHA-512`.
    public var method: String { client.mechanism.name }

    /// Prepares one exchange.
    ///
    /// - Parameters:
    ///   - totpCode: the current code for `scram+totp` accounts, bound into the proof.
    ///   - channelBinding: required for a `-PLUS` mechanism.
    ///   - keyCache: keys derived from this same password before (``SCRAMKeyCache``).
    /// - Throws: ``SCRAMError`` for an unusable username, password, code or mechanism.
    public init(
        mechanism: SCRAMMechanism, username: String, password: String, totpCode: String? = nil,
        channelBinding: SCRAMChannelBinding? = nil, entropy: any EntropySource = SystemEntropy(), keyCache: SCRAMKeyCache? = nil
    ) throws(SCRAMError) {
        client = try SCRAMClient(mechanism: mechanism, username: username, password: password, totpCode: totpCode,
                                 channelBinding: channelBinding, entropy: entropy, keyCache: keyCache)
    }

    /// Client-first.
    public mutating func initialData() throws -> [UInt8]? {
        guard step == .initial else { throw SCRAMAuthMechanismError("SCRAM exchange already started") }
        step = .sentFirst
        return try client.start()
    }

    /// Server-first → client-final; or a server-final sent in AUTH → empty data.
    public mutating func `continue`(with serverData: [UInt8]) throws -> [UInt8] {
        switch step {
        case .sentFirst:
            step = .sentFinal
            return try client.receiveServerFirst(serverData)
        case .sentFinal:
            try client.receiveServerFinal(serverData)
            step = .verified
            return []
        case .initial, .verified:
            throw SCRAMAuthMechanismError("unexpected SCRAM challenge")
        }
    }

    /// Verifies server-final; throws when it is missing or wrong.
    public mutating func finish(with serverFinalData: [UInt8]?) throws {
        switch step {
        case .verified where serverFinalData == nil || serverFinalData == []:
            return
        case .sentFinal:
            try client.receiveServerFinal(serverFinalData ?? [])
            step = .verified
        default:
            throw SCRAMAuthMechanismError("SCRAM exchange ended before the server proved itself")
        }
        guard client.isAuthenticated else { throw SCRAMAuthMechanismError("server signature not verified") }
    }
}
