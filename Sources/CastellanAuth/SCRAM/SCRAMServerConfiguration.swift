/// Operator settings shared by every SCRAM exchange of a server.
///
/// Everything risky is off by default: SHA-1 (``allowLegacySHA1``) and channel binding
/// (``channelBindingEnabled``, which also needs per-connection data, see ``SCRAMChannelBinding``).
public struct SCRAMServerConfiguration: Sendable {
    /// Accept `SCRAM-SHA-1` and `SCRAM-SHA-1-PLUS`. Off by default; for old clients only.
    public var allowLegacySHA1 = false
    /// Offer `-PLUS` mechanisms on connections that pass channel-binding data. Off by default.
    ///
    /// When on, a client sending the gs2 flag `y` on such a connection is refused
    /// (`server-does-support-channel-binding`): it suggests a downgrade (RFC 5802 §6).
    public var channelBindingEnabled = false
    /// The iteration count shown to unknown users; keep it equal to the one real credentials
    /// use so the server-first message looks the same. Values under 4096 are raised to 4096.
    public var unknownUserIterations = SCRAMCredential.defaultIterations
    /// The salt length shown to unknown users; keep it equal to real salts (16 by default).
    /// Clamped to 16...64.
    public var unknownUserSaltByteCount = SCRAMCredential.minimumGeneratedSaltByteCount

    /// The key behind unknown users' fake salts and keys.
    let unknownUserKey: [UInt8]

    /// Settings with the secret that derives unknown users' fake salts, at least 32 bytes.
    ///
    /// Keep it stable across restarts (for example derived from the master key): a new key
    /// changes every unknown user's fake salt while real salts stay, which would tell an
    /// observer watching across a restart which names exist.
    public init(unknownUserKey: [UInt8]) throws(SCRAMError) {
        guard unknownUserKey.count >= 32 else { throw .invalidCredential("unknown-user key shorter than 32 bytes") }
        self.unknownUserKey = unknownUserKey
    }

    /// Settings with a fresh random unknown-user key: fine for tests and single-run tools;
    /// see ``init(unknownUserKey:)`` for why a deployment keeps a stable one.
    public init(entropy: any EntropySource) throws(SCRAMError) {
        let key: [UInt8]
        do { key = try entropy.bytes(32) } catch { throw .noResources("entropy source failed") }
        try self.init(unknownUserKey: key)
    }

    /// Whether an exchange of `mechanism` may start on a connection with (or without) channel binding.
    public func allows(_ mechanism: SCRAMMechanism, channelBindingAvailable: Bool) -> Bool {
        if mechanism.hashFunction.isLegacy && !allowLegacySHA1 { return false }
        if mechanism.usesChannelBinding && !(channelBindingEnabled && channelBindingAvailable) { return false }
        return true
    }

    /// The mechanisms to advertise on a connection, strongest first.
    public func mechanisms(channelBindingAvailable: Bool) -> [SCRAMMechanism] {
        [.sha512Plus, .sha256Plus, .sha512, .sha256, .legacySHA1Plus, .legacySHA1]
            .filter { allows($0, channelBindingAvailable: channelBindingAvailable) }
    }
}
