/// A SCRAM SASL mechanism: a hash function, with or without channel binding (`-PLUS`).
///
/// The name is what an MQTT 5 client puts in its Authentication Method, e.g.
/// `SCRAM-SHA-256` or `SCRAM-SHA-512-PLUS`. Parsing is exact and case-sensitive;
/// `SCRAM-SHA-1` and `SCRAM-SHA-1-PLUS` parse only when legacy SHA-1 is allowed.
public struct SCRAMMechanism: Sendable, Hashable, CustomStringConvertible, Codable {
    /// The hash function behind every key, proof and signature of the exchange.
    public let hashFunction: SCRAMHashFunction
    /// `true` for a `-PLUS` mechanism: the exchange binds to the TLS channel (RFC 5929).
    public let usesChannelBinding: Bool

    /// Combines a hash function and the channel-binding choice.
    public init(hashFunction: SCRAMHashFunction, usesChannelBinding: Bool = false) {
        self.hashFunction = hashFunction
        self.usesChannelBinding = usesChannelBinding
    }

    /// `SCRAM-SHA-256` (RFC 7677).
    public static let sha256 = SCRAMMechanism(hashFunction: .sha256)
    /// `SCRAM-SHA-256-PLUS`, bound to the TLS server certificate.
    public static let sha256Plus = SCRAMMechanism(hashFunction: .sha256, usesChannelBinding: true)
    /// `SCRAM-SHA-512`.
    public static let sha512 = SCRAMMechanism(hashFunction: .sha512)
    /// `SCRAM-SHA-512-PLUS`, bound to the TLS server certificate.
    public static let sha512Plus = SCRAMMechanism(hashFunction: .sha512, usesChannelBinding: true)
    /// `SCRAM-SHA-1` (RFC 5802): refused unless legacy SHA-1 is explicitly allowed.
    public static let legacySHA1 = SCRAMMechanism(hashFunction: .legacySHA1)
    /// `SCRAM-SHA-1-PLUS`: refused unless legacy SHA-1 is explicitly allowed.
    public static let legacySHA1Plus = SCRAMMechanism(hashFunction: .legacySHA1, usesChannelBinding: true)

    /// Every mechanism this library implements, legacy ones included.
    public static let all: [SCRAMMechanism] = [
        .sha256, .sha256Plus, .sha512, .sha512Plus, .legacySHA1, .legacySHA1Plus,
    ]

    /// Parses a SASL mechanism name; `nil` for anything else, and for SHA-1 unless allowed.
    public init?(name: String, allowLegacySHA1: Bool = false) {
        guard let match = Self.all.first(where: { $0.name == name }) else { return nil }
        if match.hashFunction.isLegacy && !allowLegacySHA1 { return nil }
        self = match
    }

    /// The SASL mechanism name, e.g. `SCRAM-SHA-512-PLUS`.
    public var name: String {
        "SCRAM-\(hashFunction)" + (usesChannelBinding ? "-PLUS" : "")
    }

    /// The same hash without channel binding: the key a credential is stored under.
    public var withoutChannelBinding: SCRAMMechanism {
        SCRAMMechanism(hashFunction: hashFunction)
    }

    /// The SASL mechanism name.
    public var description: String { name }

    /// Decodes from the mechanism name; SHA-1 names decode (stored credentials may hold
    /// them) but are still refused by servers and clients without the legacy switch.
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let mechanism = SCRAMMechanism(name: name, allowLegacySHA1: true) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "unknown SCRAM mechanism"))
        }
        self = mechanism
    }

    /// Encodes as the mechanism name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
