import CastellanAuth
import Testing

// MARK: - Full exchanges

@Test(arguments: [SCRAMMechanism.sha256, .sha512])
func scramServer_withSCRAMClient_authenticatesBothWays(mechanism: SCRAMMechanism) throws {
    let account = SCRAMAccount(credential: try SCRAMFixtures.credential(mechanism: mechanism))
    var server = try SCRAMFixtures.server(mechanism)
    var client = try SCRAMFixtures.client(mechanism)
    #expect(try server.receiveClientFirst(try client.start()) == "user")
    let clientFinal = try client.receiveServerFirst(try server.respond(to: account))
    guard case .success(let serverFinal) = try server.receiveClientFinal(clientFinal) else {
        Issue.record("expected success")
        return
    }
    try client.receiveServerFinal(serverFinal)
    #expect(client.isAuthenticated)
    #expect(server.authenticatedUsername == "user")
    #expect(server.isFinished)
}

@Test func scramServer_serverNonce_extendsClientNonceWith24RandomBytesInBase64() throws {
    var server = try SCRAMFixtures.server()
    _ = try server.receiveClientFirst(bytes("n,,n=user,r=abc"))
    let serverFirst = text(try server.respond(to: SCRAMAccount(credential: try SCRAMFixtures.credential())))
    let nonce = serverFirst.split(separator: ",")[0].dropFirst(2)
    #expect(nonce.hasPrefix("abc"))
    let suffix = nonce.dropFirst(3)
    #expect(suffix.count == 32)  // base64 of 24 bytes, no padding
    #expect(suffix.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" })
}

@Test func scramServer_failingEntropy_isNoResources() throws {
    var server = try SCRAMServer(
        mechanism: .sha256, configuration: SCRAMFixtures.configuration, createdAt: .now,
        entropy: SCRAMFailingEntropy())
    _ = try server.receiveClientFirst(bytes("n,,n=user,r=abc"))
    expectSCRAMError(.noResources) { _ = try server.respond(to: nil) }
}

// MARK: - No user enumeration

@Test func scramServer_unknownUserAndWrongPassword_lookAlikeAndFailAlike() throws {
    let known = SCRAMAccount(credential: try SCRAMFixtures.credential())
    var exchanges = [
        try SCRAMFixtures.serverAwaitingFinal(account: known, clientPassword: "pencil2"),
        try SCRAMFixtures.serverAwaitingFinal(account: nil),
    ]
    var errors: [SCRAMError] = []
    for index in exchanges.indices {
        do {
            _ = try exchanges[index].server.receiveClientFinal(exchanges[index].clientFinal)
        } catch { errors.append(error) }
    }
    #expect(errors.count == 2)
    #expect(errors.allSatisfy { $0.code == .invalidProof })
    #expect(errors[0].description == errors[1].description)
    #expect(errors[0].line == errors[1].line)
    #expect(errors[0].serverErrorValue == "invalid-proof")
    #expect(exchanges.allSatisfy { $0.server.isFinished })
}

@Test func scramServer_unknownUser_getsSameShapeAsKnownUser() throws {
    func serverFirst(_ account: SCRAMAccount?, user: String) throws -> String {
        var server = try SCRAMFixtures.server()
        _ = try server.receiveClientFirst(bytes("n,,n=\(user),r=fyko"))
        return text(try server.respond(to: account))
    }
    let generated = try SCRAMCredential.generate(password: "pencil", entropy: SCRAMTestEntropy(seed: 9))
    let known = try serverFirst(SCRAMAccount(credential: generated), user: "dev1")
    let unknown = try serverFirst(nil, user: "dev2")
    func shape(_ message: String) -> [Int] { message.split(separator: ",").map(\.count) }
    #expect(shape(known) == shape(unknown))
    #expect(known.hasSuffix(",i=4096") && unknown.hasSuffix(",i=4096"))
}

@Test func scramServer_unknownUser_fakeSaltIsStablePerUserAndDiffersBetweenUsers() throws {
    func salt(_ user: String, key: UInt8 = 7) throws -> Substring {
        let configuration = try SCRAMServerConfiguration(unknownUserKey: Array(repeating: key, count: 32))
        var server = try SCRAMFixtures.server(configuration: configuration)
        _ = try server.receiveClientFirst(bytes("n,,n=\(user),r=abc"))
        return text(try server.respond(to: nil)).split(separator: ",")[1]
    }
    #expect(try salt("ghost") == salt("ghost"))
    #expect(try salt("ghost") != salt("ghost2"))
    #expect(try salt("ghost") != salt("ghost", key: 8))
}

@Test func scramServer_accountWithoutCredentialForTheMechanism_failsLikeUnknownUser() throws {
    let account = SCRAMAccount(credential: try SCRAMFixtures.credential(mechanism: .sha512))
    var exchange = try SCRAMFixtures.serverAwaitingFinal(account: account)
    expectSCRAMError(.invalidProof) { _ = try exchange.server.receiveClientFinal(exchange.clientFinal) }
}

@Test func scramServer_accountWithSeveralCredentials_usesTheMatchingHash() throws {
    let account = SCRAMAccount(credentials: [
        try SCRAMFixtures.credential(mechanism: .sha512), try SCRAMFixtures.credential(mechanism: .sha256),
    ])
    var exchange = try SCRAMFixtures.serverAwaitingFinal(account: account)
    guard case .success = try exchange.server.receiveClientFinal(exchange.clientFinal) else {
        Issue.record("expected success")
        return
    }
}

@Test func scramServerConfiguration_unknownUserKeyShorterThan32Bytes_isRefused() {
    expectSCRAMError(.invalidCredential) { _ = try SCRAMServerConfiguration(unknownUserKey: Array(repeating: 1, count: 31)) }
}

// MARK: - Step order and timeout

@Test func scramServer_stepsOutOfOrder_areRefusedAndEndTheExchange() throws {
    var server = try SCRAMFixtures.server()
    expectSCRAMError(.unexpectedMessage) { _ = try server.receiveClientFinal(bytes("c=biws,r=abc,p=AAAA")) }
    #expect(server.isFinished)
    expectSCRAMError(.unexpectedMessage) { _ = try server.receiveClientFirst(bytes("n,,n=user,r=abc")) }

    var early = try SCRAMFixtures.server()
    expectSCRAMError(.unexpectedMessage) { _ = try early.respond(to: nil) }

    var twice = try SCRAMFixtures.server()
    _ = try twice.receiveClientFirst(bytes("n,,n=user,r=abc"))
    expectSCRAMError(.unexpectedMessage) { _ = try twice.receiveClientFirst(bytes("n,,n=user,r=abc")) }

    var noTOTP = try SCRAMFixtures.server()
    expectSCRAMError(.unexpectedMessage) { _ = try noTOTP.completeTOTP(accepted: true) }
}

@Test func scramServer_afterAFailedStep_refusesEveryLaterStep() throws {
    var server = try SCRAMFixtures.server()
    expectSCRAMError(.invalidEncoding) { _ = try server.receiveClientFirst(bytes("n,,n=user")) }
    expectSCRAMError(.unexpectedMessage) { _ = try server.respond(to: nil) }
}

@Test func scramServer_afterSuccess_refusesAnotherClientFinal() throws {
    var exchange = try SCRAMFixtures.serverAwaitingFinal(
        account: SCRAMAccount(credential: try SCRAMFixtures.credential()))
    _ = try exchange.server.receiveClientFinal(exchange.clientFinal)
    expectSCRAMError(.unexpectedMessage) { _ = try exchange.server.receiveClientFinal(exchange.clientFinal) }
}

@Test func scramServer_expiry_isReachedAtTheTimeoutAndNotBefore() throws {
    let start = ContinuousClock.now
    let server = try SCRAMServer(
        mechanism: .sha256, configuration: SCRAMFixtures.configuration, createdAt: start, entropy: SCRAMTestEntropy())
    #expect(server.createdAt == start)
    #expect(SCRAMServer.defaultTimeout == .seconds(30))
    #expect(!server.isExpired(at: start.advanced(by: .seconds(29))))
    #expect(server.isExpired(at: start.advanced(by: .seconds(30))))
    #expect(server.isExpired(at: start.advanced(by: .seconds(6)), timeout: .seconds(5)))
}

// MARK: - Async conveniences

@Test func scramServer_handleSteps_runLookupAndFinish() async throws {
    let credential = try SCRAMFixtures.credential()
    var server = try SCRAMFixtures.server()
    var client = try SCRAMFixtures.client()
    let serverFirst = try await server.handleClientFirst(try client.start()) { username in
        username == "user" ? SCRAMAccount(credential: credential) : nil
    }
    let serverFinal = try await server.handleClientFinal(try client.receiveServerFirst(serverFirst)) { _, _ in
        Issue.record("TOTP check must not run for an account without TOTP")
        return false
    }
    try client.receiveServerFinal(serverFinal)
    #expect(client.isAuthenticated)
}

@Test func scramServer_lookupFailure_isRethrownAndEndsTheExchange() async throws {
    struct StoreDown: Error {}
    var server = try SCRAMFixtures.server()
    await #expect(throws: StoreDown.self) {
        _ = try await server.handleClientFirst(bytes("n,,n=user,r=abc")) { _ in throw StoreDown() }
    }
    #expect(server.isFinished)
}
