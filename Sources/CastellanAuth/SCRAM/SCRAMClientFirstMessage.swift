/// The `gs2-cbind-flag` of a client-first-message (RFC 5802 §7).
enum SCRAMChannelBindingFlag: Sendable, Hashable {
    /// `n`: the client does not support channel binding.
    case notSupported
    /// `y`: the client supports it but believes the server does not.
    case supportedButNotUsed
    /// `p=<cb-name>`: the client requires channel binding of this type.
    case required(type: String)

    var bytes: [UInt8] {
        switch self {
        case .notSupported: Array("n".utf8)
        case .supportedButNotUsed: Array("y".utf8)
        case .required(let type): Array("p=\(type)".utf8)
        }
    }
}

/// `client-first-message = gs2-header client-first-message-bare`.
///
/// `client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]`;
/// the only extension Castellan accepts is `t=` (a TOTP code, docs/scram-totp.md).
struct SCRAMClientFirstMessage: Sendable {
    var flag: SCRAMChannelBindingFlag
    var authorizationIdentity: String?
    var username: String
    var nonce: [UInt8]
    var totpCode: String?
    /// `gs2-header` exactly as received: `c=` must reproduce it.
    var gs2Header: [UInt8]
    /// `client-first-message-bare` exactly as received: the first part of AuthMessage.
    var bare: [UInt8]

    var bytes: [UInt8] { gs2Header + bare }

    /// Builds a message to send (no authzid: Castellan clients authenticate as themselves).
    init(flag: SCRAMChannelBindingFlag, username: String, nonce: [UInt8], totpCode: String?) {
        self.flag = flag
        self.authorizationIdentity = nil
        self.username = username
        self.nonce = nonce
        self.totpCode = totpCode
        gs2Header = flag.bytes + Array(",,".utf8)
        bare = Array("n=".utf8) + SCRAMWire.escapeSASLName(username) + Array(",r=".utf8) + nonce
        if let totpCode { bare += Array(",t=\(totpCode)".utf8) }
    }

    private init(
        flag: SCRAMChannelBindingFlag, authorizationIdentity: String?, username: String, nonce: [UInt8],
        totpCode: String?, gs2Header: [UInt8], bare: [UInt8]
    ) {
        self.flag = flag
        self.authorizationIdentity = authorizationIdentity
        self.username = username
        self.nonce = nonce
        self.totpCode = totpCode
        self.gs2Header = gs2Header
        self.bare = bare
    }

    static func parse(_ message: [UInt8], maximumLength: Int) throws(SCRAMError) -> Self {
        try SCRAMWire.checkEnvelope(message, maximumLength: maximumLength)
        let fields = SCRAMWire.fields(message[...])
        let flag = try parseFlag(fields[0])
        guard fields.count >= 3 else { throw .invalidEncoding("truncated gs2 header") }

        var authzid: String?
        if !fields[1].isEmpty {
            let value = try SCRAMWire.expect("a", in: fields, at: 1)
            authzid = try SCRAMWire.unescapeSASLName(value)
        }

        let bareStart = fields[2].startIndex
        let bareFields = Array(fields[2...])
        let username = try SCRAMWire.unescapeSASLName(try SCRAMWire.expect("n", in: bareFields, at: 0))
        let nonce = try SCRAMWire.expect("r", in: bareFields, at: 1)
        guard SCRAMWire.isPrintableNonce(nonce) else { throw .invalidEncoding("nonce is not printable") }

        var totpCode: String?
        for field in bareFields.dropFirst(2) {
            let (name, value) = try SCRAMWire.attribute(field)
            guard name == UInt8(ascii: "t") else { throw SCRAMWire.refuseExtension(name) }
            guard totpCode == nil else { throw .invalidEncoding("duplicated attribute 't'") }
            guard SCRAMWire.isTOTPCode(value) else { throw .invalidEncoding("'t' is not 6 to 8 digits") }
            totpCode = String(decoding: value, as: UTF8.self)
        }

        if let authzid, authzid != username {
            throw .authorizationIdentityMismatch("authzid differs from the username")
        }
        return Self(
            flag: flag, authorizationIdentity: authzid, username: username, nonce: Array(nonce),
            totpCode: totpCode, gs2Header: Array(message[..<bareStart]), bare: Array(message[bareStart...]))
    }

    /// `gs2-cbind-flag = ("p=" cb-name) / "n" / "y"`, `cb-name = 1*(ALPHA / DIGIT / "." / "-")`.
    private static func parseFlag(_ field: ArraySlice<UInt8>) throws(SCRAMError) -> SCRAMChannelBindingFlag {
        if field.elementsEqual("n".utf8) { return .notSupported }
        if field.elementsEqual("y".utf8) { return .supportedButNotUsed }
        if field.starts(with: "p=".utf8) {
            let name = field.dropFirst(2)
            guard !name.isEmpty, name.allSatisfy({
                SCRAMWire.isAlpha($0) || SCRAMWire.isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
            }) else { throw .invalidEncoding("malformed channel-binding type") }
            return .required(type: String(decoding: name, as: UTF8.self))
        }
        if field.first == UInt8(ascii: "m") { throw .extensionsNotSupported("mandatory extension 'm' present") }
        throw .invalidEncoding("malformed gs2 channel-binding flag")
    }
}
