import CArgon2
import Crypto
import CryptoExtras

/// A password hash imported from another tool, kept as a device's credential until its first
/// successful login replaces it with Castellan's own (SCRAM keys).
///
/// Verified exactly as the tool that wrote it verifies it, with the parameters it stored:
/// - `$7$ITER$SALT$HASH` — mosquitto's PBKDF2-HMAC-SHA512 (`mosquitto_passwd`, and
///   dynamic-security's `salt`/`password`/`iterations` or `encoded_password`): a 12-byte
///   (2.0) or 64-byte (2.1) salt and a 64-byte hash, base64 (libcommon/password_common.c);
/// - `$6$SALT$HASH` — mosquitto's older salted SHA-512: SHA-512(password ‖ salt);
/// - `PBKDF2$sha512$ITER$SALT$HASH` (or `sha256`) — mosquitto-go-auth's PBKDF2, the key as long
///   as the stored hash (hashing/pbkdf2.go); the salt is base64 here (go-auth's default salt
///   encoding; an importer converts a `utf8` salt with ``goAuth(algorithm:iterations:salt:hash:)``);
///   go-auth's PHC form `$pbkdf2-sha512$i=ITER,l=LENGTH$SALT$HASH` is read too, and kept in the `PBKDF2$` form.
///
/// - `$argon2id$v=19$m=KIB,t=PASSES,p=LANES$SALT$HASH` — argon2id in its reference encoding, as
///   libargon2 writes it for mosquitto 2.1 (`mosquitto_passwd` built with argon2; 2.1.2 ships with
///   it switched off) and mosquitto-go-auth; verified by libargon2 itself (`argon2id_verify`). The
///   cost it asks for is bounded (``maximumArgon2Memory``, ``maximumArgon2Passes``, ``maximumArgon2Lanes``):
///   it is work and memory at every cold login.
///
/// The password is used up to its first NUL byte, as the C and Go tools see it; the comparison
/// is constant time. ``encoded`` is the one stored form.
public struct LegacyPasswordHash: Sendable, Hashable, CustomStringConvertible {
    private enum Scheme: Sendable, Hashable {
        case mosquittoPBKDF2(iterations: Int)
        case mosquittoSHA512
        case goAuthPBKDF2(sha512: Bool, iterations: Int)
        case argon2id(memory: Int, passes: Int, lanes: Int)
    }

    /// The most iterations accepted: a stored count is work the service does at every cold
    /// login, so a file cannot ask for unbounded work.
    public static let maximumIterations = 10_000_000
    /// The most argon2id memory accepted, in KiB (256 MiB; mosquitto's is 46 MiB). Each cold
    /// check holds it while it runs, and the cold pool runs four at most.
    public static let maximumArgon2Memory = 262_144
    /// The most argon2id passes accepted (mosquitto's is 1).
    public static let maximumArgon2Passes = 16
    /// The most argon2id lanes accepted (mosquitto's is 1).
    public static let maximumArgon2Lanes = 8

    private let scheme: Scheme
    private let salt: [UInt8]
    private let hash: [UInt8]
    /// The hash as stored and as its tool writes it (go-auth salts always in base64).
    public let encoded: String

    /// Parses one stored hash; throws ``LegacyHashError`` naming what is wrong (never the hash).
    public init(parsing text: String) throws(LegacyHashError) {
        if text.hasPrefix("$argon2id$") {
            self = try Self.argon2id(text)
            return
        }
        if text.hasPrefix("PBKDF2$") {
            let fields = text.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5 else { throw .malformed("a go-auth hash is PBKDF2$ALGORITHM$ITERATIONS$SALT$HASH") }
            guard fields[1] == "sha512" || fields[1] == "sha256" else { throw .unsupported("go-auth PBKDF2 with \(fields[1].prefix(16))") }
            let iterations = try Self.iterations(fields[2])
            guard let salt = SCRAMBase64.decode(Array(fields[3].utf8)), !salt.isEmpty else { throw .malformed("salt is not base64") }
            self = try Self.goAuth(algorithm: fields[1], iterations: iterations, salt: salt, hash: fields[4])
            return
        }
        if text.hasPrefix("$pbkdf2-sha512$") || text.hasPrefix("pbkdf2-sha512$") {
            self = try Self.goAuthPHC(text)
            return
        }
        guard text.hasPrefix("$") else { throw .unsupported("not a $N$ or PBKDF2$ hash") }
        let fields = text.dropFirst().split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        switch fields.first ?? "" {
        case "7":
            guard fields.count == 4 else { throw .malformed("a $7$ hash is $7$ITERATIONS$SALT$HASH") }
            self.init(scheme: .mosquittoPBKDF2(iterations: try Self.iterations(fields[1])), salt: try Self.mosquittoSalt(fields[2]),
                      hash: try Self.sha512Hash(fields[3]), encoded: text)
        case "6":
            guard fields.count == 3 else { throw .malformed("a $6$ hash is $6$SALT$HASH") }
            self.init(scheme: .mosquittoSHA512, salt: try Self.mosquittoSalt(fields[1]), hash: try Self.sha512Hash(fields[2]), encoded: text)
        case "":
            throw .malformed("empty scheme")
        case let other:
            throw .unsupported("unknown scheme $\(other.prefix(16))$")
        }
    }

    /// mosquitto's dynamic-security 2.0 form: `salt`, `password` and `iterations` fields, which
    /// the plugin itself joins into `$7$ITERATIONS$SALT$PASSWORD` (plugins/dynamic-security/clients.c).
    public static func dynamicSecurity(salt: String, password: String, iterations: Int) throws(LegacyHashError) -> Self {
        try Self(parsing: "$7$\(iterations)$\(salt)$\(password)")
    }

    /// A go-auth PBKDF2 hash from its parts; `hash` is base64, `salt` the raw salt bytes.
    public static func goAuth(algorithm: String, iterations: Int, salt: [UInt8], hash: String) throws(LegacyHashError) -> Self {
        guard algorithm == "sha512" || algorithm == "sha256" else { throw .unsupported("go-auth PBKDF2 with \(algorithm.prefix(16))") }
        guard (1...maximumIterations).contains(iterations) else { throw .malformed("iterations out of range") }
        guard !salt.isEmpty else { throw .malformed("empty salt") }
        guard let key = SCRAMBase64.decode(Array(hash.utf8)), (16...1024).contains(key.count) else {
            throw .malformed("hash is not base64 of 16 to 1024 bytes")
        }
        return Self(scheme: .goAuthPBKDF2(sha512: algorithm == "sha512", iterations: iterations), salt: salt, hash: key,
                    encoded: "PBKDF2$\(algorithm)$\(iterations)$\(SCRAMBase64.encodeString(salt))$\(hash)")
    }

    /// go-auth's other PBKDF2 form, `$pbkdf2-sha512$i=ITER,l=LENGTH$SALT$HASH` (PHC string
    /// format, base64 without padding; hashing/pbkdf2.go), stored in its `PBKDF2$` form.
    private static func goAuthPHC(_ text: String) throws(LegacyHashError) -> Self {
        let fields = text.split(separator: "$").map(String.init)
        guard fields.count == 4 else { throw .malformed("a go-auth PHC hash is $pbkdf2-sha512$i=ITER,l=LENGTH$SALT$HASH") }
        var iterations: Int?, length: Int?
        for option in fields[1].split(separator: ",") {
            let pair = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw .malformed("options are i=ITERATIONS,l=LENGTH") }
            switch pair[0] {
            case "i": iterations = try Self.iterations(pair[1])
            case "l": length = Int(pair[1])
            default: throw .malformed("unknown option \(pair[0].prefix(8))")
            }
        }
        func unpadded(_ text: String) -> [UInt8]? {
            SCRAMBase64.decode(Array((text + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)).utf8))
        }
        guard let iterations else { throw .malformed("no iteration count (i=)") }
        guard let salt = unpadded(fields[2]), !salt.isEmpty else { throw .malformed("salt is not base64") }
        guard let key = unpadded(fields[3]), key.count == (length ?? key.count) else {
            throw .malformed("hash is not base64 of the stated length (truncated?)")
        }
        return try goAuth(algorithm: "sha512", iterations: iterations, salt: salt, hash: SCRAMBase64.encodeString(key))
    }

    private init(scheme: Scheme, salt: [UInt8], hash: [UInt8], encoded: String) {
        (self.scheme, self.salt, self.hash, self.encoded) = (scheme, salt, hash, encoded)
    }

    /// A short name of the scheme, for listings and the change log: `mosquitto-pbkdf2-sha512`,
    /// `mosquitto-sha512`, `go-auth-pbkdf2-sha512`, `go-auth-pbkdf2-sha256`, `argon2id`.
    public var schemeName: String {
        switch scheme {
        case .mosquittoPBKDF2: "mosquitto-pbkdf2-sha512"
        case .mosquittoSHA512: "mosquitto-sha512"
        case .goAuthPBKDF2(let sha512, _): sha512 ? "go-auth-pbkdf2-sha512" : "go-auth-pbkdf2-sha256"
        case .argon2id: "argon2id"
        }
    }

    /// The scheme and its cost, never the salt or hash: `mosquitto-pbkdf2-sha512 (101 iterations)`.
    public var description: String {
        switch scheme {
        case .mosquittoPBKDF2(let iterations), .goAuthPBKDF2(_, let iterations): "\(schemeName) (\(iterations) iterations)"
        case .mosquittoSHA512: schemeName
        case .argon2id(let memory, let passes, let lanes): "\(schemeName) (m=\(memory) KiB, t=\(passes), p=\(lanes))"
        }
    }

    /// `true` when `password` (up to its first NUL) is the one this hash was made from.
    public func verify(password: [UInt8]) -> Bool {
        let password = Array(password.prefix { $0 != 0 })
        let computed: [UInt8]
        switch scheme {
        case .mosquittoPBKDF2(let iterations):
            computed = Self.pbkdf2(password, salt: salt, function: .sha512, iterations: iterations, length: hash.count)
        case .goAuthPBKDF2(let sha512, let iterations):
            computed = Self.pbkdf2(password, salt: salt, function: sha512 ? .sha512 : .sha256, iterations: iterations, length: hash.count)
        case .mosquittoSHA512:
            var hasher = SHA512()
            hasher.update(data: password)
            hasher.update(data: salt)
            computed = Array(hasher.finalize())
        case .argon2id:
            // libargon2 recomputes the hash with the encoded parameters and compares in constant time.
            return password.withUnsafeBytes { bytes in argon2id_verify(encoded, bytes.baseAddress, bytes.count) } == ARGON2_OK.rawValue
        }
        return ConstantTime.equal(computed, hash)
    }

    private static func pbkdf2(
        _ password: [UInt8], salt: [UInt8], function: KDF.Insecure.PBKDF2.HashFunction, iterations: Int, length: Int
    ) -> [UInt8] {
        guard let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: password, salt: salt, using: function, outputByteCount: length, unsafeUncheckedRounds: iterations)
        else { return [] }
        return key.withUnsafeBytes { Array($0) }
    }

    /// `$argon2id$[v=19$]m=KIB,t=PASSES,p=LANES$SALT$HASH`, salt and hash unpadded base64.
    private static func argon2id(_ text: String) throws(LegacyHashError) -> LegacyPasswordHash {
        var fields = text.dropFirst("$argon2id$".count).split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        if fields.first?.hasPrefix("v=") == true {
            guard fields[0] == "v=19" || fields[0] == "v=16" else { throw .unsupported("argon2id version \(fields[0].prefix(8))") }
            fields.removeFirst()
        }
        guard fields.count == 3 else { throw .malformed("an argon2id hash is $argon2id$v=19$m=KIB,t=PASSES,p=LANES$SALT$HASH") }
        var cost: [String: Int] = [:]
        for pair in fields[0].split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["m", "t", "p"].contains(parts[0]), cost[parts[0]] == nil,
                  parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(parts[1]), value > 0
            else { throw .malformed("argon2id parameters are m=KIB,t=PASSES,p=LANES") }
            cost[parts[0]] = value
        }
        guard let memory = cost["m"], let passes = cost["t"], let lanes = cost["p"] else {
            throw .malformed("argon2id parameters are m=KIB,t=PASSES,p=LANES")
        }
        guard memory <= maximumArgon2Memory, passes <= maximumArgon2Passes, lanes <= maximumArgon2Lanes else {
            throw .unsupported("argon2id cost over m=\(maximumArgon2Memory),t=\(maximumArgon2Passes),p=\(maximumArgon2Lanes)")
        }
        guard let salt = unpaddedBase64(fields[1]), !salt.isEmpty, let hash = unpaddedBase64(fields[2]), hash.count >= 4
        else { throw .malformed("argon2id salt or hash is not base64") }
        return LegacyPasswordHash(scheme: .argon2id(memory: memory, passes: passes, lanes: lanes), salt: salt, hash: hash, encoded: text)
    }

    /// Base64 as the argon2 encoding writes it: without `=` padding.
    private static func unpaddedBase64(_ text: String) -> [UInt8]? {
        guard !text.contains("=") else { return nil }
        return SCRAMBase64.decode(Array((text + String(repeating: "=", count: (4 - text.utf8.count % 4) % 4)).utf8))
    }

    private static func iterations(_ text: String) throws(LegacyHashError) -> Int {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let count = Int(text),
              (1...maximumIterations).contains(count)
        else { throw .malformed("iterations must be a whole number from 1 to \(maximumIterations)") }
        return count
    }

    /// mosquitto accepts 12-byte (2.0) and 64-byte (2.1) salts only.
    private static func mosquittoSalt(_ text: String) throws(LegacyHashError) -> [UInt8] {
        guard let salt = SCRAMBase64.decode(Array(text.utf8)), salt.count == 12 || salt.count == 64 else {
            throw .malformed("salt is not base64 of 12 or 64 bytes")
        }
        return salt
    }

    private static func sha512Hash(_ text: String) throws(LegacyHashError) -> [UInt8] {
        guard let hash = SCRAMBase64.decode(Array(text.utf8)), hash.count == 64 else {
            throw .malformed("hash is not base64 of 64 bytes (truncated?)")
        }
        return hash
    }
}

/// Why a stored hash could not be imported. Never repeats the hash.
public struct LegacyHashError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case malformed(String)
        case unsupported(String)
    }

    private let code: Code
    /// Where it was raised, for debugging; not part of equality.
    public let origin: ErrorOrigin

    /// A known scheme with a broken field.
    public static func malformed(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .malformed(detail), origin: ErrorOrigin(fileID, line))
    }

    /// A scheme Castellan does not know.
    public static func unsupported(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unsupported(detail), origin: ErrorOrigin(fileID, line))
    }

    public var description: String {
        switch code {
        case .malformed(let detail): "malformed password hash: \(detail)"
        case .unsupported(let detail): "unsupported password hash: \(detail)"
        }
    }
}
