@testable import CastellanAuth
import Testing

/// A client that has sent client-first with the nonce `abc`.
private func startedClient(configuration: SCRAMClient.Configuration = .init()) throws -> SCRAMClient {
    var client = try SCRAMClient(
        mechanism: .sha256, username: "user", password: "pencil", configuration: configuration,
        entropy: SCRAMTestEntropy())
    client.fixedNonce = bytes("abc")
    #expect(text(try client.start()) == "n,,n=user,r=abc")
    return client
}

@Test func scramClient_serverFirstWithTooFewIterations_isRefused() throws {
    var client = try startedClient()
    expectSCRAMError(.iterationCountOutOfRange) {
        _ = try client.receiveServerFirst(bytes("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095"))
    }
}

@Test func scramClient_serverFirstWithMoreIterationsThanAllowed_isRefused() throws {
    var configuration = SCRAMClient.Configuration()
    configuration.maximumIterations = 10_000
    var client = try startedClient(configuration: configuration)
    expectSCRAMError(.iterationCountOutOfRange) {
        _ = try client.receiveServerFirst(bytes("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10001"))
    }
}

@Test func scramClient_nonceThatDoesNotExtendOurs_isRefused() throws {
    for nonce in ["abc", "xbcdef", "ab", "Abcdef"] {
        var client = try startedClient()
        expectSCRAMError(.nonceMismatch) {
            _ = try client.receiveServerFirst(bytes("r=\(nonce),s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
        }
    }
}

@Test func scramClient_malformedServerFirst_isRefused() throws {
    let cases: [(String, SCRAMError.Code)] = [
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==", .invalidEncoding),
        ("r=abcdef,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==", .invalidEncoding),
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096", .invalidEncoding),
        ("r=abcdef,s=,i=4096", .invalidEncoding),
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=04096", .invalidEncoding),
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096", .invalidEncoding),
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999", .invalidEncoding),
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,x=1", .extensionsNotSupported),
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,i=4096", .invalidEncoding),
        ("m=1,r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", .extensionsNotSupported),
        ("r=abc def,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", .invalidEncoding),
        ("r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096\u{0}", .invalidEncoding),
    ]
    for (message, code) in cases {
        var client = try startedClient()
        expectSCRAMError(code) { _ = try client.receiveServerFirst(bytes(message)) }
    }
}

@Test func scramClient_serverFinal_wrongMissingOrErrorIsRefused() throws {
    let credential = try SCRAMFixtures.credential()
    let cases: [([UInt8], SCRAMError.Code)] = [
        ([], .invalidServerSignature),
        (bytes("v=AAAA"), .invalidServerSignature),
        (bytes("e=invalid-proof"), .serverError),
        (bytes("v="), .invalidEncoding),
        (bytes("v=not base64"), .invalidEncoding),
        (bytes("x=1"), .invalidEncoding),
        (bytes("m=1"), .extensionsNotSupported),
    ]
    for (message, code) in cases {
        var exchange = try SCRAMFixtures.serverAwaitingFinal(account: SCRAMAccount(credential: credential))
        guard case .success(let good) = try exchange.server.receiveClientFinal(exchange.clientFinal) else {
            Issue.record("expected success")
            return
        }
        var client = exchange.client
        expectSCRAMError(code) { try client.receiveServerFinal(message) }
        #expect(!client.isAuthenticated)
        // An extension after a correct signature is refused too.
        var strict = exchange.client
        expectSCRAMError(.extensionsNotSupported) { try strict.receiveServerFinal(good + bytes(",x=1")) }
        var accepted = exchange.client
        try accepted.receiveServerFinal(good)
        #expect(accepted.isAuthenticated)
    }
}

@Test func scramClient_serverErrorValue_isReportedInTheDetail() throws {
    var exchange = try SCRAMFixtures.serverAwaitingFinal(account: nil)
    do {
        try exchange.client.receiveServerFinal(bytes("e=unknown-user"))
        Issue.record("accepted")
    } catch {
        #expect(error.code == .serverError)
        #expect(error.detail == "unknown-user")
    }
}

@Test func scramClient_stepsOutOfOrder_areRefused() throws {
    var client = try SCRAMFixtures.client()
    expectSCRAMError(.unexpectedMessage) { _ = try client.receiveServerFirst(bytes("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096")) }
    expectSCRAMError(.unexpectedMessage) { _ = try client.start() }

    var twice = try SCRAMFixtures.client()
    _ = try twice.start()
    expectSCRAMError(.unexpectedMessage) { _ = try twice.start() }

    var early = try SCRAMFixtures.client()
    expectSCRAMError(.unexpectedMessage) { try early.receiveServerFinal(bytes("v=AAAA")) }
}

@Test func scramClient_invalidInputs_areRefusedAtInit() {
    expectSCRAMError(.invalidUsernameEncoding) { _ = try SCRAMFixtures.client(username: "") }
    expectSCRAMError(.invalidUsernameEncoding) { _ = try SCRAMFixtures.client(username: "a\u{0}b") }
    expectSCRAMError(.invalidPassword) { _ = try SCRAMFixtures.client(password: "") }
    expectSCRAMError(.invalidPassword) { _ = try SCRAMFixtures.client(password: "pen\ncil") }
    expectSCRAMError(.invalidEncoding) { _ = try SCRAMFixtures.client(totpCode: "12345") }
    expectSCRAMError(.invalidEncoding) { _ = try SCRAMFixtures.client(totpCode: "12345a") }
    expectSCRAMError(.channelBindingNotSupported) { _ = try SCRAMFixtures.client(.sha256Plus) }
}

@Test func scramClient_usernameWithCommaAndEquals_isEscapedAndServerSeesOriginal() throws {
    var client = try SCRAMFixtures.client(username: "a,b=c")
    let first = try client.start()
    #expect(text(first).hasPrefix("n,,n=a=2Cb=3Dc,r="))
    var server = try SCRAMFixtures.server()
    #expect(try server.receiveClientFirst(first) == "a,b=c")
}
