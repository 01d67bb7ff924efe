/// The client side of one SCRAM exchange, for Castellan's device SDK.
///
/// Steps, in order: ``start()`` returns client-first (with `t=<code>` when a TOTP code was
/// given), ``receiveServerFirst(_:)`` returns client-final, ``receiveServerFinal(_:)`` checks
/// the server's signature. Authentication is mutual: the exchange has succeeded only when
/// ``isAuthenticated`` is `true`, which needs a correct `v=`; a wrong or missing `v=` throws.
/// Any failure or out-of-order step ends the exchange for good.
///
/// The client refuses iteration counts under 4096 (a downgrade) and over
/// ``Configuration/maximumIterations`` (a server making the device burn CPU), and a server
/// nonce that does not extend its own.
public struct SCRAMClient: Sendable {
    /// Client settings; the defaults are the safe ones.
    public struct Configuration: Sendable {
        /// Allow `SCRAM-SHA-1`. Off by default.
        public var allowLegacySHA1 = false
        /// The most PBKDF2 iterations the client will run. 1,000,000 by default.
        public var maximumIterations = 1_000_000
        /// Defaults: no SHA-1, at most 1,000,000 iterations.
        public init() {}
    }

    /// Random bytes in the client nonce (base64-encoded on the wire).
    public static let nonceByteCount = 24

    /// The mechanism in use.
    public let mechanism: SCRAMMechanism
    private let configuration: Configuration
    private let username: String
    private let totpCode: String?
    private let flag: SCRAMChannelBindingFlag
    private let channelBinding: SCRAMChannelBinding?
    private let entropy: any EntropySource
    private let keyCache: SCRAMKeyCache?
    private var state: State
    /// Test hook for the published vectors.
    var fixedNonce: [UInt8]?

    private enum State: Sendable {
        case initial(password: [UInt8])
        case awaitingServerFirst(password: [UInt8], clientFirst: SCRAMClientFirstMessage)
        case awaitingServerFinal(serverSignature: [UInt8])
        case succeeded
        case failed
    }

    /// Prepares an exchange.
    ///
    /// - Parameters:
    ///   - totpCode: 6 to 8 digits sent as `t=` for `scram+totp` accounts (docs/scram-totp.md).
    ///   - channelBinding: this TLS connection's binding data. Required for a `-PLUS` mechanism
    ///     (gs2 flag `p=`); with another mechanism it makes the client send `y` (it could bind,
    ///     but believes the server cannot), without it `n`.
    /// - Throws: `mechanismNotAllowed` (SHA-1 without the switch), `channelBindingNotSupported`
    ///   (`-PLUS` without data), `invalidUsernameEncoding`, `invalidPassword`, `invalidEncoding`
    ///   (a TOTP code that is not 6 to 8 digits).
    ///   - keyCache: keys derived from this same password in earlier exchanges (see ``SCRAMKeyCache``).
    public init(
        mechanism: SCRAMMechanism, username: String, password: String, totpCode: String? = nil,
        channelBinding: SCRAMChannelBinding? = nil, configuration: Configuration = Configuration(),
        entropy: any EntropySource, keyCache: SCRAMKeyCache? = nil
    ) throws(SCRAMError) {
        if mechanism.hashFunction.isLegacy && !configuration.allowLegacySHA1 {
            throw .mechanismNotAllowed("\(mechanism) needs the legacy SHA-1 switch")
        }
        if mechanism.usesChannelBinding {
            guard let channelBinding else { throw .channelBindingNotSupported("\(mechanism) needs channel-binding data") }
            flag = .required(type: channelBinding.type)
        } else {
            flag = channelBinding == nil ? .notSupported : .supportedButNotUsed
        }
        guard !username.isEmpty, !username.utf8.contains(0),
              !username.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .invalidUsernameEncoding("empty username or control character in it") }
        if let totpCode, !SCRAMWire.isTOTPCode(totpCode.utf8) {
            throw .invalidEncoding("TOTP code is not 6 to 8 digits")
        }
        self.mechanism = mechanism
        self.configuration = configuration
        self.username = username
        self.totpCode = totpCode
        self.channelBinding = mechanism.usesChannelBinding ? channelBinding : nil
        self.entropy = entropy
        self.keyCache = keyCache
        state = .initial(password: try SCRAMPassword.prepare(password))
    }

    /// `true` once the server's signature verified.
    public var isAuthenticated: Bool {
        if case .succeeded = state { return true }
        return false
    }

    /// Step 1: the client-first message.
    public mutating func start() throws(SCRAMError) -> [UInt8] {
        guard case .initial(let password) = state else { throw fail(.unexpectedMessage("start out of order")) }
        state = .failed
        let nonce: [UInt8]
        if let fixedNonce {
            nonce = fixedNonce
        } else {
            let random: [UInt8]
            do { random = try entropy.bytes(Self.nonceByteCount) } catch { throw .noResources("entropy source failed") }
            guard random.count == Self.nonceByteCount else { throw .noResources("entropy source returned a short read") }
            nonce = SCRAMBase64.encode(random)
        }
        let first = SCRAMClientFirstMessage(flag: flag, username: username, nonce: nonce, totpCode: totpCode)
        state = .awaitingServerFirst(password: password, clientFirst: first)
        return first.bytes
    }

    /// Step 2: checks server-first and returns client-final (runs PBKDF2, the slow step, unless the key cache has the keys).
    public mutating func receiveServerFirst(_ message: [UInt8]) throws(SCRAMError) -> [UInt8] {
        guard case .awaitingServerFirst(let password, let first) = state else {
            throw fail(.unexpectedMessage("server-first out of order"))
        }
        state = .failed
        let serverFirst = try SCRAMServerFirstMessage.parse(message, maximumLength: SCRAMServer.maximumMessageLength)
        guard serverFirst.nonce.count > first.nonce.count, serverFirst.nonce.starts(with: first.nonce) else {
            throw .nonceMismatch("server nonce does not extend the client nonce")
        }
        guard serverFirst.iterations >= SCRAMCredential.minimumIterations,
              serverFirst.iterations <= configuration.maximumIterations
        else { throw .iterationCountOutOfRange("server asked for \(serverFirst.iterations) iterations") }

        let hash = mechanism.hashFunction
        let derive = { () throws(SCRAMError) -> SCRAMKeys in
            SCRAMKeys(saltedPassword: try hash.saltedPassword(password, salt: serverFirst.salt, iterations: serverFirst.iterations),
                      hash: hash)
        }
        let keys: SCRAMKeys
        if let keyCache {
            keys = try keyCache.keys(mechanism: mechanism, salt: serverFirst.salt, iterations: serverFirst.iterations, derive: derive)
        } else {
            keys = try derive()
        }
        let binding = first.gs2Header + (channelBinding?.data ?? [])
        let withoutProof = SCRAMClientFinalMessage.withoutProof(channelBinding: binding, nonce: serverFirst.nonce)
        var authMessage = first.bare
        authMessage.append(SCRAMWire.comma)
        authMessage += serverFirst.bytes
        authMessage.append(SCRAMWire.comma)
        authMessage += withoutProof
        var proof = hash.hmac(key: keys.storedKey, authMessage)
        for index in proof.indices { proof[index] ^= keys.clientKey[index] }
        state = .awaitingServerFinal(serverSignature: hash.hmac(key: keys.serverKey, authMessage))
        return SCRAMClientFinalMessage(channelBinding: binding, nonce: serverFirst.nonce, proof: proof).bytes
    }

    /// Step 3: verifies the server's signature in constant time.
    ///
    /// - Throws: `invalidServerSignature` for a wrong or missing `v=` (an empty message
    ///   included), `serverError` when the server sent `e=`.
    public mutating func receiveServerFinal(_ message: [UInt8]) throws(SCRAMError) {
        guard case .awaitingServerFinal(let expected) = state else {
            throw fail(.unexpectedMessage("server-final out of order"))
        }
        state = .failed
        guard !message.isEmpty else { throw .invalidServerSignature("server-final is missing") }
        switch try SCRAMServerFinalMessage.parse(message, maximumLength: SCRAMServer.maximumMessageLength) {
        case .error(let value):
            throw .serverError(value)
        case .verifier(let signature):
            guard ConstantTime.equal(signature, expected) else {
                throw .invalidServerSignature("server signature does not verify")
            }
        }
        state = .succeeded
    }

    private mutating func fail(_ error: SCRAMError) -> SCRAMError {
        state = .failed
        return error
    }
}
