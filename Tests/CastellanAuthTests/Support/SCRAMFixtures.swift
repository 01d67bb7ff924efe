import CastellanAuth
import Foundation
import Testing
import SupervisionTesting

/// Deterministic randomness for SCRAM tests: a counter run through SplitMix64.
struct SCRAMTestEntropy: EntropySource {
    let seed: UInt64
    init(seed: UInt64 = 1) { self.seed = seed }
    func bytes(_ count: Int) throws -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &random) }
    }
}

/// An entropy source that always fails, for the no-resources paths.
struct SCRAMFailingEntropy: EntropySource {
    struct Failure: Error {}
    func bytes(_ count: Int) throws -> [UInt8] { throw Failure() }
}

enum SCRAMFixtures {
    static let configuration = try! SCRAMServerConfiguration(unknownUserKey: Array(repeating: 7, count: 32))
    static let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==")!)

    static func credential(
        _ password: String = "pencil", mechanism: SCRAMMechanism = .sha256
    ) throws -> SCRAMCredential {
        try SCRAMCredential.derive(password: password, salt: salt, iterations: 4096, mechanism: mechanism)
    }

    static func server(
        _ mechanism: SCRAMMechanism = .sha256, configuration: SCRAMServerConfiguration = configuration,
        channelBinding: SCRAMChannelBinding? = nil, seed: UInt64 = 2
    ) throws -> SCRAMServer {
        try SCRAMServer(
            mechanism: mechanism, configuration: configuration, channelBinding: channelBinding,
            createdAt: .now, entropy: SCRAMTestEntropy(seed: seed))
    }

    static func client(
        _ mechanism: SCRAMMechanism = .sha256, username: String = "user", password: String = "pencil",
        totpCode: String? = nil, channelBinding: SCRAMChannelBinding? = nil, seed: UInt64 = 3
    ) throws -> SCRAMClient {
        try SCRAMClient(
            mechanism: mechanism, username: username, password: password, totpCode: totpCode,
            channelBinding: channelBinding, entropy: SCRAMTestEntropy(seed: seed))
    }

    /// A server that has answered client-first for `user`, and the client-final it expects.
    static func serverAwaitingFinal(
        account: SCRAMAccount?, clientPassword: String = "pencil"
    ) throws -> (server: SCRAMServer, client: SCRAMClient, clientFinal: [UInt8]) {
        var server = try server()
        var client = try client(password: clientPassword)
        _ = try server.receiveClientFirst(try client.start())
        let clientFinal = try client.receiveServerFirst(try server.respond(to: account))
        return (server, client, clientFinal)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Runs `body` and expects it to throw a ``SCRAMError`` with `code`.
func expectSCRAMError(
    _ code: SCRAMError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected SCRAM error \(code), got success", sourceLocation: sourceLocation)
    } catch let error as SCRAMError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected SCRAM error \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
