/// What the store keeps for one SCRAM password: salt, iteration count, StoredKey and ServerKey.
///
/// Never the password, never SaltedPassword or ClientKey: a stolen credential lets nobody log
/// in directly (the proof needs ClientKey), though it does allow an offline guessing attack,
/// which the ≥ 4096 PBKDF2 iterations slow down. The same credential also checks plaintext
/// passwords from MQTT basic auth (``PasswordVerifier``).
public struct SCRAMCredential: Sendable, Equatable {
    /// The mechanism family (always stored without `-PLUS`: channel binding does not change keys).
    public let mechanism: SCRAMMechanism
    /// The salt, at least ``minimumGeneratedSaltByteCount`` bytes when Castellan made it.
    public let salt: [UInt8]
    /// PBKDF2 iteration count, at least ``minimumIterations``.
    public let iterations: Int
    /// H(ClientKey): what a client proof is checked against.
    public let storedKey: [UInt8]
    /// HMAC(SaltedPassword, "Server Key"): what signs the server-final message.
    public let serverKey: [UInt8]

    /// The floor from RFC 5802 §5.1 / RFC 7677 §4; smaller counts are refused everywhere.
    public static let minimumIterations = 4096
    /// The default iteration count (RFC 7677's recommendation for SHA-256).
    public static let defaultIterations = 4096
    /// The salt length ``generate(password:mechanism:iterations:saltByteCount:entropy:)`` uses at least.
    public static let minimumGeneratedSaltByteCount = 16
    /// The largest count accepted: the wire grammar of Castellan allows nine digits.
    public static let maximumIterations = 999_999_999

    /// Wraps stored fields, checking they can be a credential (key sizes, iterations, salt).
    public init(
        mechanism: SCRAMMechanism, salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]
    ) throws(SCRAMError) {
        let digest = mechanism.hashFunction.digestByteCount
        guard (Self.minimumIterations...Self.maximumIterations).contains(iterations) else {
            throw .iterationCountOutOfRange("iteration count below \(Self.minimumIterations) or too large")
        }
        guard !salt.isEmpty, salt.count <= 1024 else { throw .invalidCredential("salt is empty or over 1024 bytes") }
        guard storedKey.count == digest, serverKey.count == digest else {
            throw .invalidCredential("key length does not match \(mechanism.hashFunction)")
        }
        self.mechanism = mechanism.withoutChannelBinding
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Derives the credential for `password` with a given salt (tests, imports, interop vectors).
    ///
    /// Password rules, in place of SASLprep (which neither swift-crypto nor Foundation
    /// provides): the UTF-8 bytes are used as given, without normalisation; empty passwords,
    /// passwords over 1024 bytes and passwords with a control character (NUL, C0, DEL, C1)
    /// are refused. For printable ASCII this equals SASLprep's result. Iteration counts
    /// under 4096 are refused.
    public static func derive(
        password: String, salt: [UInt8], iterations: Int, mechanism: SCRAMMechanism
    ) throws(SCRAMError) -> SCRAMCredential {
        try derive(passwordBytes: try SCRAMPassword.prepare(password), salt: salt, iterations: iterations, mechanism: mechanism)
    }

    /// Makes a new credential for `password` with a fresh random salt from `entropy`.
    ///
    /// `saltByteCount` below 16 and `iterations` below 4096 are refused.
    public static func generate(
        password: String, mechanism: SCRAMMechanism = .sha256, iterations: Int = defaultIterations,
        saltByteCount: Int = minimumGeneratedSaltByteCount, entropy: any EntropySource
    ) throws(SCRAMError) -> SCRAMCredential {
        guard (minimumGeneratedSaltByteCount...1024).contains(saltByteCount) else {
            throw .invalidCredential("salt must be 16 to 1024 bytes")
        }
        let prepared = try SCRAMPassword.prepare(password)
        let salt: [UInt8]
        do { salt = try entropy.bytes(saltByteCount) } catch { throw .noResources("entropy source failed") }
        guard salt.count == saltByteCount else { throw .noResources("entropy source returned a short read") }
        return try derive(passwordBytes: prepared, salt: salt, iterations: iterations, mechanism: mechanism)
    }

    static func derive(
        passwordBytes: [UInt8], salt: [UInt8], iterations: Int, mechanism: SCRAMMechanism
    ) throws(SCRAMError) -> SCRAMCredential {
        guard (minimumIterations...maximumIterations).contains(iterations) else {
            throw .iterationCountOutOfRange("iteration count below \(minimumIterations) or too large")
        }
        guard !salt.isEmpty else { throw .invalidCredential("empty salt") }
        let hash = mechanism.hashFunction
        let salted = try hash.saltedPassword(passwordBytes, salt: salt, iterations: iterations)
        let keys = SCRAMKeys(saltedPassword: salted, hash: hash)
        return try SCRAMCredential(
            mechanism: mechanism, salt: salt, iterations: iterations,
            storedKey: keys.storedKey, serverKey: keys.serverKey)
    }

    /// Compares keys in constant time; the other fields are not secret.
    public static func == (lhs: SCRAMCredential, rhs: SCRAMCredential) -> Bool {
        lhs.mechanism == rhs.mechanism && lhs.salt == rhs.salt && lhs.iterations == rhs.iterations
            && ConstantTime.equal(lhs.storedKey, rhs.storedKey) && ConstantTime.equal(lhs.serverKey, rhs.serverKey)
    }
}

/// The keys RFC 5802 §3 derives from SaltedPassword.
struct SCRAMKeys {
    let clientKey: [UInt8]
    let storedKey: [UInt8]
    let serverKey: [UInt8]

    init(saltedPassword: [UInt8], hash: SCRAMHashFunction) {
        clientKey = hash.hmac(key: saltedPassword, Array("Client Key".utf8))
        storedKey = hash.hash(clientKey)
        serverKey = hash.hmac(key: saltedPassword, Array("Server Key".utf8))
    }
}

/// Prints the mechanism and iteration count only, so a credential logged by mistake leaks no key.
extension SCRAMCredential: CustomStringConvertible, CustomDebugStringConvertible {
    /// `SCRAMCredential(<mechanism>, i=<iterations>)`: no salt, no key.
    public var description: String { "SCRAMCredential(\(mechanism), i=\(iterations))" }
    /// The same as ``description``, so `debugPrint` and `String(reflecting:)` leak nothing either.
    public var debugDescription: String { description }
}
