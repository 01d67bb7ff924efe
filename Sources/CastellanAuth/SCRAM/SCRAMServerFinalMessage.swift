/// `server-final-message = (server-error / verifier) ["," extensions]`.
enum SCRAMServerFinalMessage: Sendable, Hashable {
    /// `v=`: the ServerSignature.
    case verifier([UInt8])
    /// `e=`: the server refused; the value is a printable token.
    case error(String)

    var bytes: [UInt8] {
        switch self {
        case .verifier(let signature): Array("v=".utf8) + SCRAMBase64.encode(signature)
        case .error(let value): Array("e=\(value)".utf8)
        }
    }

    /// Castellan refuses every extension here: its server sends none.
    static func parse(_ message: [UInt8], maximumLength: Int) throws(SCRAMError) -> Self {
        try SCRAMWire.checkEnvelope(message, maximumLength: maximumLength)
        let fields = SCRAMWire.fields(message[...])
        let (name, value) = try SCRAMWire.attribute(fields[0])
        let result: Self
        switch name {
        case UInt8(ascii: "v"):
            guard let signature = SCRAMBase64.decode(value), !signature.isEmpty else {
                throw .invalidEncoding("server signature is not base64")
            }
            result = .verifier(signature)
        case UInt8(ascii: "e"):
            // Kept short and printable: it ends up in logs.
            guard value.count <= 64, value.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw .invalidEncoding("malformed server error value")
            }
            result = .error(String(decoding: value, as: UTF8.self))
        case UInt8(ascii: "m"):
            throw .extensionsNotSupported("mandatory extension 'm' present")
        default:
            throw .invalidEncoding("expected attribute 'v' or 'e'")
        }
        if fields.count > 1 { throw SCRAMWire.refuseExtension(try SCRAMWire.attribute(fields[1]).name) }
        return result
    }
}
