/// The server side of one SCRAM exchange (RFC 5802, RFC 7677), as a value-type state machine.
///
/// One instance per exchange; the steps must come in order, and any failure, out-of-order
/// step or step after the end throws and leaves the exchange failed for good:
/// 1. ``receiveClientFirst(_:)`` parses client-first and returns the username to look up;
/// 2. ``respond(to:)`` takes the account (or `nil` for an unknown user) and returns server-first;
/// 3. ``receiveClientFinal(_:)`` checks `c=`, the nonce and the proof (constant time), then
///    returns server-final — or, for a `scram+totp` account, the code to check;
/// 4. ``completeTOTP(accepted:)`` finishes a TOTP exchange.
/// ``handleClientFirst(_:lookup:isolation:)`` and ``handleClientFinal(_:totpCheck:isolation:)`` chain
/// these with async callbacks.
///
/// Unknown users get a deterministic fake salt and the default iteration count (derived with
/// HMAC from ``SCRAMServerConfiguration``'s secret and the username), so their server-first
/// has the same shape and stays the same on every attempt; the exchange then fails at the proof
/// step through the same code path and with the same error as a wrong password.
///
/// Exchanges are bounded: the caller keeps pending exchanges in a bounded table and drops
/// those for which ``isExpired(at:timeout:)`` holds (default ``defaultTimeout``, 30 s).
public struct SCRAMServer: Sendable {
    /// Messages longer than this (4 KiB) are refused before parsing.
    public static let maximumMessageLength = 4096
    /// How long an exchange should be allowed to stay pending: 30 seconds.
    public static let defaultTimeout: Duration = .seconds(30)
    /// Random bytes in the server's nonce part (base64-encoded on the wire).
    public static let serverNonceByteCount = 24

    /// The mechanism the client chose.
    public let mechanism: SCRAMMechanism
    /// When the exchange began (monotonic, as passed in), for timing it out.
    public let createdAt: ContinuousClock.Instant

    private let configuration: SCRAMServerConfiguration
    /// Channel-binding data when this connection offers `-PLUS`, else `nil`.
    private let channelBinding: SCRAMChannelBinding?
    private let entropy: any EntropySource
    private var state: State = .awaitingClientFirst
    /// Test hook for the published vectors, whose server nonces are not base64.
    var fixedServerNonce: [UInt8]?

    private enum State: Sendable {
        case awaitingClientFirst
        case awaitingAccount(SCRAMClientFirstMessage)
        case awaitingClientFinal(Pending)
        case awaitingTOTP(username: String, serverFinal: [UInt8])
        case succeeded(username: String)
        case failed
    }

    private struct Pending: Sendable {
        var clientFirst: SCRAMClientFirstMessage
        var serverFirst: SCRAMServerFirstMessage
        var credential: SCRAMCredential
        var isKnownUser: Bool
        var requiresTOTP: Bool
    }

    /// What ``receiveClientFinal(_:)`` produced.
    public enum FinalStep: Sendable, Hashable {
        /// Authenticated: send this server-final message (`v=…`).
        case success(serverFinal: [UInt8])
        /// Proof valid; the account needs TOTP: check `code` for `username`, then call
        /// ``SCRAMServer/completeTOTP(accepted:)``.
        case checkTOTP(username: String, code: String)
    }

    /// Starts an exchange of `mechanism`.
    ///
    /// - Parameters:
    ///   - channelBinding: this connection's binding data when it is on the TLS listener,
    ///     `nil` otherwise. `-PLUS` is offered only when it is given *and*
    ///     ``SCRAMServerConfiguration/channelBindingEnabled`` is on.
    ///   - createdAt: the current monotonic time, exposed as ``createdAt``.
    /// - Throws: `mechanismNotAllowed` for SHA-1 without the legacy switch,
    ///   `channelBindingNotSupported` for a `-PLUS` mechanism where `-PLUS` is not offered.
    public init(
        mechanism: SCRAMMechanism, configuration: SCRAMServerConfiguration,
        channelBinding: SCRAMChannelBinding? = nil, createdAt: ContinuousClock.Instant,
        entropy: any EntropySource
    ) throws(SCRAMError) {
        if mechanism.hashFunction.isLegacy && !configuration.allowLegacySHA1 {
            throw .mechanismNotAllowed("\(mechanism) needs the legacy SHA-1 switch")
        }
        let offered = configuration.channelBindingEnabled ? channelBinding : nil
        if mechanism.usesChannelBinding && offered == nil {
            throw .channelBindingNotSupported("\(mechanism) is not offered on this connection")
        }
        self.mechanism = mechanism
        self.configuration = configuration
        self.channelBinding = offered
        self.createdAt = createdAt
        self.entropy = entropy
    }

    /// `true` once the exchange has been pending for `timeout` or longer.
    public func isExpired(at now: ContinuousClock.Instant, timeout: Duration = defaultTimeout) -> Bool {
        createdAt.duration(to: now) >= timeout
    }

    /// The authenticated username once the exchange succeeded, else `nil`.
    public var authenticatedUsername: String? {
        if case .succeeded(let username) = state { return username }
        return nil
    }

    /// The username the client named in client-first, before it proved anything; `nil` before
    /// client-first and after a failure. For counting a failed proof against that device.
    public var claimedUsername: String? {
        switch state {
        case .awaitingAccount(let clientFirst): clientFirst.username
        case .awaitingClientFinal(let pending): pending.clientFirst.username
        case .awaitingTOTP(let username, _), .succeeded(let username): username
        case .awaitingClientFirst, .failed: nil
        }
    }

    /// The credential client-final will be checked against, once server-first went to a known
    /// user; `nil` before, after, and for an unknown user (whose credential is a fake).
    public var knownCredential: SCRAMCredential? {
        guard case .awaitingClientFinal(let pending) = state, pending.isKnownUser else { return nil }
        return pending.credential
    }

    /// `true` when the exchange has ended, successfully or not: no step is accepted any more.
    public var isFinished: Bool {
        switch state {
        case .succeeded, .failed: true
        default: false
        }
    }

    /// Step 1: parses client-first and checks its gs2 header; returns the username to look up.
    public mutating func receiveClientFirst(_ message: [UInt8]) throws(SCRAMError) -> String {
        guard case .awaitingClientFirst = state else { throw fail(.unexpectedMessage("client-first out of order")) }
        state = .failed
        let first = try SCRAMClientFirstMessage.parse(message, maximumLength: Self.maximumMessageLength)
        try checkFlag(first.flag)
        state = .awaitingAccount(first)
        return first.username
    }

    /// Step 2: answers with server-first for `account`, or for an unknown user when `nil`.
    public mutating func respond(to account: SCRAMAccount?) throws(SCRAMError) -> [UInt8] {
        guard case .awaitingAccount(let first) = state else { throw fail(.unexpectedMessage("server-first out of order")) }
        state = .failed
        let pending: Pending
        if let account, let credential = account.credential(for: mechanism) {
            pending = Pending(
                clientFirst: first, serverFirst: try serverFirst(first, credential), credential: credential,
                isKnownUser: true, requiresTOTP: account.requiresTOTP)
        } else {
            let credential = try unknownUserCredential(first.username)
            pending = Pending(
                clientFirst: first, serverFirst: try serverFirst(first, credential), credential: credential,
                isKnownUser: false, requiresTOTP: false)
        }
        state = .awaitingClientFinal(pending)
        return pending.serverFirst.bytes
    }

    /// Step 3: verifies client-final. Order of checks: grammar, `c=`, nonce, proof, then TOTP
    /// presence — so TOTP is consulted only for a client that proved the password.
    public mutating func receiveClientFinal(_ message: [UInt8]) throws(SCRAMError) -> FinalStep {
        guard case .awaitingClientFinal(let pending) = state else {
            throw fail(.unexpectedMessage("client-final out of order"))
        }
        state = .failed
        let final = try SCRAMClientFinalMessage.parse(message, maximumLength: Self.maximumMessageLength)
        var expectedBinding = pending.clientFirst.gs2Header
        if case .required = pending.clientFirst.flag, let channelBinding { expectedBinding += channelBinding.data }
        guard ConstantTime.equal(final.channelBinding, expectedBinding) else {
            throw .channelBindingsDontMatch("c= does not match the gs2 header and binding data")
        }
        guard final.nonce == pending.serverFirst.nonce else {
            throw .nonceMismatch("client-final nonce differs from the combined nonce")
        }

        let hash = mechanism.hashFunction
        var authMessage = pending.clientFirst.bare
        authMessage.append(SCRAMWire.comma)
        authMessage += pending.serverFirst.bytes
        authMessage.append(SCRAMWire.comma)
        authMessage += final.withoutProof
        let clientSignature = hash.hmac(key: pending.credential.storedKey, authMessage)
        var proofMatches = false
        if final.proof.count == clientSignature.count {
            var clientKey = final.proof
            for index in clientKey.indices { clientKey[index] ^= clientSignature[index] }
            proofMatches = ConstantTime.equal(hash.hash(clientKey), pending.credential.storedKey)
        }
        // One throw site for a wrong password and an unknown user: same code, detail, line.
        guard proofMatches && pending.isKnownUser else { throw .invalidProof("client proof does not verify") }

        let username = pending.clientFirst.username
        let serverFinal = SCRAMServerFinalMessage.verifier(hash.hmac(key: pending.credential.serverKey, authMessage)).bytes
        switch (pending.requiresTOTP, pending.clientFirst.totpCode) {
        case (true, nil):
            throw .totpRequired("account requires a TOTP code and t= is absent")
        case (false, .some):
            throw .totpNotExpected("t= sent for an account without TOTP")
        case (true, .some(let code)):
            state = .awaitingTOTP(username: username, serverFinal: serverFinal)
            return .checkTOTP(username: username, code: code)
        case (false, nil):
            state = .succeeded(username: username)
            return .success(serverFinal: serverFinal)
        }
    }

    /// Step 4 (TOTP accounts only): `accepted` is the TOTP check's verdict; returns server-final.
    public mutating func completeTOTP(accepted: Bool) throws(SCRAMError) -> [UInt8] {
        guard case .awaitingTOTP(let username, let serverFinal) = state else {
            throw fail(.unexpectedMessage("TOTP completion out of order"))
        }
        state = .failed
        guard accepted else { throw .totpRejected("TOTP code refused") }
        state = .succeeded(username: username)
        return serverFinal
    }

    /// Ends the exchange as failed (for example on timeout): every later step is refused.
    public mutating func abandon() {
        state = .failed
    }

    private mutating func fail(_ error: SCRAMError) -> SCRAMError {
        state = .failed
        return error
    }

    /// RFC 5802 §6 and §7: which gs2 flags go with which mechanism on this connection.
    private func checkFlag(_ flag: SCRAMChannelBindingFlag) throws(SCRAMError) {
        switch flag {
        case .required(let type):
            guard mechanism.usesChannelBinding else {
                throw .channelBindingsDontMatch("p= flag with a mechanism without -PLUS")
            }
            guard type == SCRAMChannelBinding.tlsServerEndPointType, channelBinding?.type == type else {
                throw .unsupportedChannelBindingType("channel-binding type is not tls-server-end-point")
            }
        case .supportedButNotUsed:
            guard !mechanism.usesChannelBinding else { throw .channelBindingsDontMatch("y flag with a -PLUS mechanism") }
            guard channelBinding == nil else {
                throw .serverDoesSupportChannelBinding("y flag where -PLUS is offered")
            }
        case .notSupported:
            guard !mechanism.usesChannelBinding else { throw .channelBindingsDontMatch("n flag with a -PLUS mechanism") }
        }
    }

    private func serverFirst(
        _ first: SCRAMClientFirstMessage, _ credential: SCRAMCredential
    ) throws(SCRAMError) -> SCRAMServerFirstMessage {
        let suffix: [UInt8]
        if let fixedServerNonce {
            suffix = fixedServerNonce
        } else {
            let random: [UInt8]
            do { random = try entropy.bytes(Self.serverNonceByteCount) } catch { throw .noResources("entropy source failed") }
            guard random.count == Self.serverNonceByteCount else { throw .noResources("entropy source returned a short read") }
            suffix = SCRAMBase64.encode(random)
        }
        return SCRAMServerFirstMessage(nonce: first.nonce + suffix, salt: credential.salt, iterations: credential.iterations)
    }

    /// A credential nobody can match, stable per (mechanism, username): HMAC-derived salt and
    /// keys, the configured default iteration count.
    private func unknownUserCredential(_ username: String) throws(SCRAMError) -> SCRAMCredential {
        let hash = mechanism.hashFunction
        func derive(_ label: String) -> [UInt8] {
            var input = Array("castellan-scram-unknown-user/\(label)".utf8)
            input.append(0)
            input += Array(mechanism.withoutChannelBinding.name.utf8)
            input.append(0)
            input += Array(username.utf8)  // NUL-free: the parser refuses NUL
            return SCRAMHashFunction.sha512.hmac(key: configuration.unknownUserKey, input)
        }
        let saltCount = min(max(configuration.unknownUserSaltByteCount, 16), 64)
        let digest = hash.digestByteCount
        return try SCRAMCredential(
            mechanism: mechanism, salt: Array(derive("salt").prefix(saltCount)),
            iterations: max(configuration.unknownUserIterations, SCRAMCredential.minimumIterations),
            storedKey: Array(derive("stored-key").prefix(digest)),
            serverKey: Array(derive("server-key").prefix(digest)))
    }
}
