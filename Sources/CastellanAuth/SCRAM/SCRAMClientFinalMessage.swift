/// `client-final-message = channel-binding "," nonce ["," extensions] "," proof`.
struct SCRAMClientFinalMessage: Sendable {
    /// The decoded `c=` value: gs2 header followed by any channel-binding data.
    var channelBinding: [UInt8]
    var nonce: [UInt8]
    var proof: [UInt8]
    /// `client-final-message-without-proof`: the last part of AuthMessage.
    var withoutProof: [UInt8]

    var bytes: [UInt8] { withoutProof + Array(",p=".utf8) + SCRAMBase64.encode(proof) }

    /// The message without its proof, which needs AuthMessage, which needs this part.
    static func withoutProof(channelBinding: [UInt8], nonce: [UInt8]) -> [UInt8] {
        Array("c=".utf8) + SCRAMBase64.encode(channelBinding) + Array(",r=".utf8) + nonce
    }

    init(channelBinding: [UInt8], nonce: [UInt8], proof: [UInt8]) {
        self.channelBinding = channelBinding
        self.nonce = nonce
        self.proof = proof
        withoutProof = Self.withoutProof(channelBinding: channelBinding, nonce: nonce)
    }

    private init(channelBinding: [UInt8], nonce: [UInt8], proof: [UInt8], withoutProof: [UInt8]) {
        self.channelBinding = channelBinding
        self.nonce = nonce
        self.proof = proof
        self.withoutProof = withoutProof
    }

    /// Extensions between the nonce and the proof are refused (see ``SCRAMWire/refuseExtension(_:)``).
    static func parse(_ message: [UInt8], maximumLength: Int) throws(SCRAMError) -> Self {
        try SCRAMWire.checkEnvelope(message, maximumLength: maximumLength)
        let fields = SCRAMWire.fields(message[...])
        guard let binding = SCRAMBase64.decode(try SCRAMWire.expect("c", in: fields, at: 0)), !binding.isEmpty else {
            throw .invalidEncoding("channel binding is not base64")
        }
        let nonce = try SCRAMWire.expect("r", in: fields, at: 1)
        guard SCRAMWire.isPrintableNonce(nonce) else { throw .invalidEncoding("nonce is not printable") }
        let last = fields.count - 1
        guard last >= 2 else { throw .invalidEncoding("missing attribute 'p'") }
        for field in fields[2..<last] { throw SCRAMWire.refuseExtension(try SCRAMWire.attribute(field).name) }
        guard let proof = SCRAMBase64.decode(try SCRAMWire.expect("p", in: fields, at: last)), !proof.isEmpty else {
            throw .invalidEncoding("proof is not base64")
        }
        let withoutProof = Array(message[..<(fields[last].startIndex - 1)])
        return Self(channelBinding: binding, nonce: Array(nonce), proof: proof, withoutProof: withoutProof)
    }
}
