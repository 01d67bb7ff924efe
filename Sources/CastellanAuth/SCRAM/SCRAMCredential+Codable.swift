/// JSON/YAML form: the mechanism name, base64 salt and keys, and the iteration count.
///
/// Decoding re-runs the initializer's checks, so a corrupted or hand-edited record with a
/// wrong key length or fewer than 4096 iterations fails to load instead of failing later.
extension SCRAMCredential: Codable {
    private enum CodingKeys: String, CodingKey {
        case mechanism, salt, iterations, storedKey, serverKey
    }

    /// Decodes and validates a stored credential; throws on a corrupt or weak record.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func bytes(_ key: CodingKeys) throws -> [UInt8] {
            let text = try container.decode(String.self, forKey: key)
            guard let value = SCRAMBase64.decode(Array(text.utf8)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not base64")
            }
            return value
        }
        try self.init(
            mechanism: try container.decode(SCRAMMechanism.self, forKey: .mechanism),
            salt: try bytes(.salt),
            iterations: try container.decode(Int.self, forKey: .iterations),
            storedKey: try bytes(.storedKey),
            serverKey: try bytes(.serverKey))
    }

    /// Encodes the five stored fields, binary ones as base64 strings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mechanism, forKey: .mechanism)
        try container.encode(SCRAMBase64.encodeString(salt), forKey: .salt)
        try container.encode(iterations, forKey: .iterations)
        try container.encode(SCRAMBase64.encodeString(storedKey), forKey: .storedKey)
        try container.encode(SCRAMBase64.encodeString(serverKey), forKey: .serverKey)
    }
}
