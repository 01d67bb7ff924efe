import CastellanAuth
import Synchronization
import Testing

/// Records TOTP checks so tests can assert whether and how the callback ran.
final class TOTPCheckRecorder: Sendable {
    private let calls = Mutex<[String]>([])
    let verdict: Bool
    init(verdict: Bool) { self.verdict = verdict }
    var recorded: [String] { calls.withLock { $0 } }
    func check(username: String, code: String) async throws -> Bool {
        calls.withLock { $0.append("\(username):\(code)") }
        return verdict
    }
}

/// Runs a full exchange through the async API and returns the server-final or the error.
private func exchange(
    requiresTOTP: Bool, knownUser: Bool = true, password: String = "pencil", clientCode: String?,
    recorder: TOTPCheckRecorder
) async throws -> Result<[UInt8], SCRAMError> {
    let credential = try SCRAMFixtures.credential()
    var server = try SCRAMFixtures.server()
    var client = try SCRAMFixtures.client(username: "dev5", password: password, totpCode: clientCode)
    let serverFirst = try await server.handleClientFirst(try client.start()) { _ in
        knownUser ? SCRAMAccount(credential: credential, requiresTOTP: requiresTOTP) : nil
    }
    do {
        let serverFinal = try await server.handleClientFinal(
            try client.receiveServerFirst(serverFirst), totpCheck: recorder.check)
        try client.receiveServerFinal(serverFinal)
        #expect(client.isAuthenticated)
        return .success(serverFinal)
    } catch let error as SCRAMError {
        #expect(server.isFinished && server.authenticatedUsername == nil)
        return .failure(error)
    }
}

@Test func scramTOTP_codeInClientFirst_isCheckedAfterTheProofAndAccepted() async throws {
    let recorder = TOTPCheckRecorder(verdict: true)
    let result = try await exchange(requiresTOTP: true, clientCode: "123456", recorder: recorder)
    #expect((try? result.get()) != nil)
    #expect(recorder.recorded == ["dev5:123456"])
}

@Test func scramTOTP_travelsAsTheLastAttributeOfClientFirstBare() throws {
    var client = try SCRAMFixtures.client(username: "dev5", totpCode: "12345678")
    let first = text(try client.start())
    #expect(first.hasPrefix("n,,n=dev5,r="))
    #expect(first.hasSuffix(",t=12345678"))
}

@Test func scramTOTP_codeRefusedByTheCheck_failsAsInvalidProofOnTheWire() async throws {
    let recorder = TOTPCheckRecorder(verdict: false)
    let result = try await exchange(requiresTOTP: true, clientCode: "123456", recorder: recorder)
    guard case .failure(let error) = result else { Issue.record("accepted"); return }
    #expect(error.code == .totpRejected)
    #expect(error.serverErrorValue == "invalid-proof")
    #expect(recorder.recorded.count == 1)
}

@Test func scramTOTP_requiredButAbsent_isRefusedWithoutCallingTheCheck() async throws {
    let recorder = TOTPCheckRecorder(verdict: true)
    let result = try await exchange(requiresTOTP: true, clientCode: nil, recorder: recorder)
    guard case .failure(let error) = result else { Issue.record("accepted"); return }
    #expect(error.code == .totpRequired)
    #expect(error.serverErrorValue == "invalid-proof")
    #expect(recorder.recorded.isEmpty)
}

@Test func scramTOTP_sentToAnAccountWithoutTOTP_isRefused() async throws {
    let recorder = TOTPCheckRecorder(verdict: true)
    let result = try await exchange(requiresTOTP: false, clientCode: "123456", recorder: recorder)
    guard case .failure(let error) = result else { Issue.record("accepted"); return }
    #expect(error.code == .totpNotExpected)
    #expect(recorder.recorded.isEmpty)
}

@Test func scramTOTP_wrongPasswordOrUnknownUser_failAtTheProofWithoutTouchingTOTP() async throws {
    let recorder = TOTPCheckRecorder(verdict: true)
    let wrong = try await exchange(requiresTOTP: true, password: "pencil2", clientCode: "123456", recorder: recorder)
    let unknown = try await exchange(requiresTOTP: true, knownUser: false, clientCode: "123456", recorder: recorder)
    for result in [wrong, unknown] {
        guard case .failure(let error) = result else { Issue.record("accepted"); return }
        #expect(error.code == .invalidProof)
    }
    #expect(recorder.recorded.isEmpty)
}

@Test func scramTOTP_codeChangedInTransit_breaksTheProof() throws {
    var server = try SCRAMFixtures.server()
    var client = try SCRAMFixtures.client(username: "dev5", totpCode: "123456")
    let original = text(try client.start())
    let tampered = original.replacingOccurrences(of: ",t=123456", with: ",t=654321")
    #expect(tampered != original)
    _ = try server.receiveClientFirst(bytes(tampered))
    let serverFirst = try server.respond(
        to: SCRAMAccount(credential: try SCRAMFixtures.credential(), requiresTOTP: true))
    expectSCRAMError(.invalidProof) { _ = try server.receiveClientFinal(try client.receiveServerFirst(serverFirst)) }
}

@Test func scramTOTP_syncSteps_returnTheCodeThenCompleteOnce() throws {
    var server = try SCRAMFixtures.server()
    var client = try SCRAMFixtures.client(username: "dev5", totpCode: "654321")
    _ = try server.receiveClientFirst(try client.start())
    let serverFirst = try server.respond(
        to: SCRAMAccount(credential: try SCRAMFixtures.credential(), requiresTOTP: true))
    let step = try server.receiveClientFinal(try client.receiveServerFirst(serverFirst))
    #expect(step == .checkTOTP(username: "dev5", code: "654321"))
    #expect(server.authenticatedUsername == nil)
    let serverFinal = try server.completeTOTP(accepted: true)
    #expect(server.authenticatedUsername == "dev5")
    try client.receiveServerFinal(serverFinal)
    #expect(client.isAuthenticated)
    expectSCRAMError(.unexpectedMessage) { _ = try server.completeTOTP(accepted: true) }
}

@Test func scramTOTP_checkThrowing_isRethrownAndEndsTheExchange() async throws {
    struct GuardDown: Error {}
    var server = try SCRAMFixtures.server()
    var client = try SCRAMFixtures.client(username: "dev5", totpCode: "123456")
    let serverFirst = try await server.handleClientFirst(try client.start()) { _ in
        SCRAMAccount(credential: try SCRAMFixtures.credential(), requiresTOTP: true)
    }
    let clientFinal = try client.receiveServerFirst(serverFirst)
    await #expect(throws: GuardDown.self) {
        _ = try await server.handleClientFinal(clientFinal) { _, _ in throw GuardDown() }
    }
    #expect(server.isFinished && server.authenticatedUsername == nil)
}
