/// `server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]`.
struct SCRAMServerFirstMessage: Sendable {
    var nonce: [UInt8]
    var salt: [UInt8]
    var iterations: Int
    /// The message as sent or received: the middle part of AuthMessage.
    var bytes: [UInt8]

    init(nonce: [UInt8], salt: [UInt8], iterations: Int) {
        self.nonce = nonce
        self.salt = salt
        self.iterations = iterations
        bytes = Array("r=".utf8) + nonce + Array(",s=".utf8) + SCRAMBase64.encode(salt)
            + Array(",i=\(iterations)".utf8)
    }

    private init(nonce: [UInt8], salt: [UInt8], iterations: Int, bytes: [UInt8]) {
        self.nonce = nonce
        self.salt = salt
        self.iterations = iterations
        self.bytes = bytes
    }

    /// Castellan refuses every extension here: its server sends none.
    static func parse(_ message: [UInt8], maximumLength: Int) throws(SCRAMError) -> Self {
        try SCRAMWire.checkEnvelope(message, maximumLength: maximumLength)
        let fields = SCRAMWire.fields(message[...])
        let nonce = try SCRAMWire.expect("r", in: fields, at: 0)
        guard SCRAMWire.isPrintableNonce(nonce) else { throw .invalidEncoding("nonce is not printable") }
        guard let salt = SCRAMBase64.decode(try SCRAMWire.expect("s", in: fields, at: 1)) else {
            throw .invalidEncoding("salt is not base64")
        }
        guard let iterations = SCRAMWire.positiveNumber(try SCRAMWire.expect("i", in: fields, at: 2)) else {
            throw .invalidEncoding("iteration count is not a positive number below 10^9")
        }
        if fields.count > 3 { throw SCRAMWire.refuseExtension(try SCRAMWire.attribute(fields[3]).name) }
        return Self(nonce: Array(nonce), salt: salt, iterations: iterations, bytes: message)
    }
}
