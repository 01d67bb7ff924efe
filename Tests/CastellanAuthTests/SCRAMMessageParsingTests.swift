import CastellanAuth
import Testing

/// A client-first message and the error code it must produce (nil: accepted).
struct ClientFirstCase: Sendable, CustomTestStringConvertible {
    var message: [UInt8]
    var expected: SCRAMError.Code?
    var testDescription: String { String(decoding: message, as: UTF8.self).debugDescription }
    init(_ message: String, _ expected: SCRAMError.Code?) {
        self.message = Array(message.utf8)
        self.expected = expected
    }
    init(bytes: [UInt8], _ expected: SCRAMError.Code?) {
        message = bytes
        self.expected = expected
    }
}

let clientFirstCases: [ClientFirstCase] = [
    .init("n,,n=user,r=abc", nil),
    .init("y,,n=user,r=abc", nil),
    .init("n,a=user,n=user,r=abc", nil),
    .init("n,,n=us=2Cer=3D,r=abc", nil),
    .init("n,a=us=2Cer,n=us=2Cer,r=abc", nil),
    // Missing, truncated, duplicated, out of order.
    .init("", .invalidEncoding),
    .init("n", .invalidEncoding),
    .init("n,", .invalidEncoding),
    .init("n,,", .invalidEncoding),
    .init("n,,n=user", .invalidEncoding),
    .init("n,,n=user,", .invalidEncoding),
    .init("n,,n=user,r=", .invalidEncoding),
    .init("n,,n=user,r=abc,", .invalidEncoding),
    .init("n,,r=abc,n=user", .invalidEncoding),
    .init("n,,n=user,n=user,r=abc", .invalidEncoding),
    .init("n,,n=user,r=abc,r=def", .invalidEncoding),
    .init("n,,n=user,r=abc,n=user", .invalidEncoding),
    .init("n,n=user,r=abc", .invalidEncoding),
    .init("n,,n=,r=abc", .invalidEncoding),
    .init("n,,N=user,r=abc", .invalidEncoding),
    .init("n,,nuser,r=abc", .invalidEncoding),
    .init("n,,1=user,r=abc", .invalidEncoding),
    // gs2 header.
    .init("x,,n=user,r=abc", .invalidEncoding),
    .init("nn,,n=user,r=abc", .invalidEncoding),
    .init("p=,,n=user,r=abc", .invalidEncoding),
    .init("p=tls server,,n=user,r=abc", .invalidEncoding),
    .init("p=tls-server-end-point,,n=user,r=abc", .channelBindingsDontMatch),
    .init("n,b=user,n=user,r=abc", .invalidEncoding),
    .init("n,a=,n=user,r=abc", .invalidEncoding),
    .init("n,a=admin,n=user,r=abc", .authorizationIdentityMismatch),
    .init("n,a=user=2C,n=user,r=abc", .authorizationIdentityMismatch),
    // m= and extensions.
    .init("n,,m=ext,n=user,r=abc", .extensionsNotSupported),
    .init("m=x,,n=user,r=abc", .extensionsNotSupported),
    .init("n,,n=user,r=abc,x=1", .extensionsNotSupported),
    .init("n,,n=user,r=abc,m=1", .extensionsNotSupported),
    .init("n,,n=user,r=abc,t=123456,x=1", .extensionsNotSupported),
    // TOTP attribute syntax.
    .init("n,,n=user,r=abc,t=123456", nil),
    .init("n,,n=user,r=abc,t=12345678", nil),
    .init("n,,n=user,r=abc,t=12345", .invalidEncoding),
    .init("n,,n=user,r=abc,t=123456789", .invalidEncoding),
    .init("n,,n=user,r=abc,t=12a456", .invalidEncoding),
    .init("n,,n=user,r=abc,t=123456,t=123456", .invalidEncoding),
    .init("n,,n=user,t=123456,r=abc", .invalidEncoding),
    // Escaping.
    .init("n,,n=us=2cer,r=abc", .invalidUsernameEncoding),
    .init("n,,n=us=41er,r=abc", .invalidUsernameEncoding),
    .init("n,,n=user=,r=abc", .invalidUsernameEncoding),
    .init("n,,n=user=3,r=abc", .invalidUsernameEncoding),
    .init("n,,n=us=er,r=abc", .invalidUsernameEncoding),
    .init("n,,n=us\u{7}er,r=abc", .invalidUsernameEncoding),
    .init("n,,n=us\u{85}er,r=abc", .invalidUsernameEncoding),
    // Nonce.
    .init("n,,n=user,r=ab c", .invalidEncoding),
    .init("n,,n=user,r=ab\u{7F}", .invalidEncoding),
    .init("n,,n=user,r=abé", .invalidEncoding),
    // NUL, UTF-8, size.
    .init("n,,n=us\u{0}er,r=abc", .invalidEncoding),
    .init("n,,n=user,r=abc\u{0}", .invalidEncoding),
    .init(bytes: Array("n,,n=us".utf8) + [0xC3, 0x28] + Array("er,r=abc".utf8), .invalidEncoding),
    .init(bytes: Array("n,,n=user,r=abc".utf8) + [0xFF], .invalidEncoding),
    .init("n,,n=user,r=" + String(repeating: "a", count: 4096 - 12), nil),
    .init("n,,n=user,r=" + String(repeating: "a", count: 4097 - 12), .messageTooLong),
    .init(String(repeating: "n", count: 100_000), .messageTooLong),
]

@Test(arguments: clientFirstCases)
func scramServer_clientFirst_isParsedStrictly(testCase: ClientFirstCase) throws {
    var server = try SCRAMFixtures.server()
    if let expected = testCase.expected {
        expectSCRAMError(expected) { _ = try server.receiveClientFirst(testCase.message) }
        #expect(server.isFinished)
    } else {
        #expect(try server.receiveClientFirst(testCase.message).isEmpty == false)
    }
}

@Test func scramServer_clientFirst_unescapesTheUsername() throws {
    var server = try SCRAMFixtures.server()
    #expect(try server.receiveClientFirst(bytes("n,,n=a=2Cb=3Dc,r=abc")) == "a,b=c")
}

@Test func scramError_mapsToRFC5802ServerErrorValues() {
    let cases: [(String, SCRAMError.Code, String)] = [
        ("n,,n=user,r=ab c", .invalidEncoding, "invalid-encoding"),
        ("n,,m=x,n=user,r=abc", .extensionsNotSupported, "extensions-not-supported"),
        ("n,,n=us=41er,r=abc", .invalidUsernameEncoding, "invalid-username-encoding"),
        ("p=tls-server-end-point,,n=user,r=abc", .channelBindingsDontMatch, "channel-bindings-dont-match"),
    ]
    for (message, code, value) in cases {
        do {
            var server = try SCRAMFixtures.server()
            _ = try server.receiveClientFirst(bytes(message))
            Issue.record("\(message) accepted")
        } catch let error as SCRAMError {
            #expect(error.code == code)
            #expect(error.serverErrorValue == value)
            #expect(text(error.serverFinalMessage) == "e=\(value)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

// MARK: - client-final

/// Builds client-final variants around the valid one a real client produced.
private func clientFinalParts() throws -> (exchange: (server: SCRAMServer, client: SCRAMClient, clientFinal: [UInt8]), nonce: String, proof: String) {
    let exchange = try SCRAMFixtures.serverAwaitingFinal(account: SCRAMAccount(credential: try SCRAMFixtures.credential()))
    let fields = text(exchange.clientFinal).split(separator: ",")
    return (exchange, String(fields[1].dropFirst(2)), String(fields[2].dropFirst(2)))
}

@Test func scramServer_clientFinal_malformedVariants_areRefusedWithTheRightCode() throws {
    let (exchange, nonce, proof) = try clientFinalParts()
    let cases: [(String, SCRAMError.Code)] = [
        ("c=biws,r=\(nonce)", .invalidEncoding),
        ("c=biws,r=\(nonce),", .invalidEncoding),
        ("c=biws,r=\(nonce),p=", .invalidEncoding),
        ("c=biws,p=\(proof)", .invalidEncoding),
        ("r=\(nonce),c=biws,p=\(proof)", .invalidEncoding),
        ("c=biws,r=\(nonce),r=\(nonce),p=\(proof)", .invalidEncoding),
        ("c=biws,r=\(nonce),p=\(proof),p=\(proof)", .invalidEncoding),
        ("c=biws,c=biws,r=\(nonce),p=\(proof)", .invalidEncoding),
        ("c=biws,r=\(nonce),p=\(proof),x=1", .invalidEncoding),
        ("c=biws,r=\(nonce),x=1,p=\(proof)", .extensionsNotSupported),
        ("m=1,c=biws,r=\(nonce),p=\(proof)", .extensionsNotSupported),
        ("c=biws,r=\(nonce),m=1,p=\(proof)", .extensionsNotSupported),
        ("c=biw,r=\(nonce),p=\(proof)", .invalidEncoding),
        ("c=biw!,r=\(nonce),p=\(proof)", .invalidEncoding),
        ("c=biwsbh==,r=\(nonce),p=\(proof)", .invalidEncoding),  // non-zero unused bits
        ("c=biws,r=\(nonce),p=\(proof.dropLast())", .invalidEncoding),
        ("c=biws,r=\(nonce),p= \(proof.dropFirst())", .invalidEncoding),
        ("c=biws,r=\(nonce),p=\(proof)\u{0}", .invalidEncoding),
        ("c=eSws,r=\(nonce),p=\(proof)", .channelBindingsDontMatch),  // "y,,"
        ("c=biwsAA==,r=\(nonce),p=\(proof)", .channelBindingsDontMatch),  // extra binding bytes
        ("c=biws,r=\(nonce.dropLast()),p=\(proof)", .nonceMismatch),
        ("c=biws,r=\(nonce)x,p=\(proof)", .nonceMismatch),
        ("c=biws,r=\(nonce),p=AAAA", .invalidProof),  // wrong length
        ("c=biws,r=\(nonce),p=" + String(repeating: "A", count: 5000), .messageTooLong),
    ]
    for (message, code) in cases {
        var server = exchange.server
        expectSCRAMError(code) { _ = try server.receiveClientFinal(bytes(message)) }
        #expect(server.isFinished)
    }
    var server = exchange.server
    guard case .success = try server.receiveClientFinal(bytes("c=biws,r=\(nonce),p=\(proof)")) else {
        Issue.record("the unmodified message must verify")
        return
    }
}
