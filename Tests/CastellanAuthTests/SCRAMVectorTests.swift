@testable import CastellanAuth
import Foundation
import Testing

/// The published SCRAM exchanges (BRIEF.md "Test vectors"), run as server and as client with
/// the vectors' nonces injected through the internal test hooks.
struct SCRAMVector: Sendable, CustomTestStringConvertible {
    var mechanism: SCRAMMechanism
    var salt: String
    var clientNonce: String
    var serverNonce: String
    var proof: String
    var serverSignature: String

    var clientFirst: String { "n,,n=user,r=\(clientNonce)" }
    var serverFirst: String { "r=\(clientNonce)\(serverNonce),s=\(salt),i=4096" }
    var clientFinal: String { "c=biws,r=\(clientNonce)\(serverNonce),p=\(proof)" }
    var serverFinal: String { "v=\(serverSignature)" }
    var testDescription: String { mechanism.name }

    static let rfc7677SHA256 = SCRAMVector(
        mechanism: .sha256, salt: "W22ZaJ0SNY7soEsUEjb6gQ==", clientNonce: "rOprNGfwEbeRWgbNEkqO",
        serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        proof: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        serverSignature: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    static let mailKitSHA512 = SCRAMVector(
        mechanism: .sha512, salt: "W22ZaJ0SNY7soEsUEjb6gQ==", clientNonce: "rOprNGfwEbeRWgbNEkqO",
        serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        proof: "gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
        serverSignature: "ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==")
    static let rfc5802SHA1 = SCRAMVector(
        mechanism: .legacySHA1, salt: "QSXCR+Q6sek8bf92", clientNonce: "fyko+d2lbbFgONRv9qkxdawL",
        serverNonce: "3rfcNHYJY1ZVvWVs7j", proof: "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        serverSignature: "rmF9pqV8S7suAoZWja4dJRkFsKQ=")

    func credential() throws -> SCRAMCredential {
        try SCRAMCredential.derive(
            password: "pencil", salt: Array(Data(base64Encoded: salt)!), iterations: 4096, mechanism: mechanism)
    }
}

private func legacyConfiguration() throws -> SCRAMServerConfiguration {
    var configuration = SCRAMFixtures.configuration
    configuration.allowLegacySHA1 = true
    return configuration
}

@Test(arguments: [SCRAMVector.rfc7677SHA256, .mailKitSHA512, .rfc5802SHA1])
func scramVector_asServer_producesPublishedMessages(vector: SCRAMVector) throws {
    var server = try SCRAMServer(
        mechanism: vector.mechanism, configuration: try legacyConfiguration(), createdAt: .now,
        entropy: SCRAMTestEntropy())
    server.fixedServerNonce = bytes(vector.serverNonce)
    #expect(try server.receiveClientFirst(bytes(vector.clientFirst)) == "user")
    let serverFirst = try server.respond(to: SCRAMAccount(credential: try vector.credential()))
    #expect(text(serverFirst) == vector.serverFirst)
    let step = try server.receiveClientFinal(bytes(vector.clientFinal))
    #expect(step == .success(serverFinal: bytes(vector.serverFinal)))
    #expect(server.authenticatedUsername == "user")
}

@Test(arguments: [SCRAMVector.rfc7677SHA256, .mailKitSHA512, .rfc5802SHA1])
func scramVector_asClient_producesPublishedProofAndAcceptsSignature(vector: SCRAMVector) throws {
    var configuration = SCRAMClient.Configuration()
    configuration.allowLegacySHA1 = true
    var client = try SCRAMClient(
        mechanism: vector.mechanism, username: "user", password: "pencil", configuration: configuration,
        entropy: SCRAMTestEntropy())
    client.fixedNonce = bytes(vector.clientNonce)
    #expect(text(try client.start()) == vector.clientFirst)
    #expect(text(try client.receiveServerFirst(bytes(vector.serverFirst))) == vector.clientFinal)
    try client.receiveServerFinal(bytes(vector.serverFinal))
    #expect(client.isAuthenticated)
}

@Test func scramVector_sha1_isRefusedWithoutTheLegacySwitch() throws {
    #expect(SCRAMMechanism(name: "SCRAM-SHA-1") == nil)
    #expect(SCRAMMechanism(name: "SCRAM-SHA-1", allowLegacySHA1: true) == .legacySHA1)
    expectSCRAMError(.mechanismNotAllowed) {
        _ = try SCRAMServer(
            mechanism: .legacySHA1, configuration: SCRAMFixtures.configuration, createdAt: .now,
            entropy: SCRAMTestEntropy())
    }
    expectSCRAMError(.mechanismNotAllowed) {
        _ = try SCRAMClient(mechanism: .legacySHA1, username: "user", password: "pencil", entropy: SCRAMTestEntropy())
    }
    #expect(!SCRAMFixtures.configuration.allows(.legacySHA1, channelBindingAvailable: false))
    #expect(!PasswordVerifier.verify(password: "pencil", against: try SCRAMVector.rfc5802SHA1.credential()))
    #expect(PasswordVerifier.verify(
        password: "pencil", against: try SCRAMVector.rfc5802SHA1.credential(), allowLegacySHA1: true))
}

@Test func scramVector_sha256_wrongProofByOneBit_isInvalidProof() throws {
    let vector = SCRAMVector.rfc7677SHA256
    var server = try SCRAMFixtures.server()
    server.fixedServerNonce = bytes(vector.serverNonce)
    _ = try server.receiveClientFirst(bytes(vector.clientFirst))
    _ = try server.respond(to: SCRAMAccount(credential: try vector.credential()))
    let tampered = vector.clientFinal.replacingOccurrences(of: "p=dHzb", with: "p=dHzc")
    expectSCRAMError(.invalidProof) { _ = try server.receiveClientFinal(bytes(tampered)) }
}

@Test func scramVector_client_refusesWrongServerSignature() throws {
    let vector = SCRAMVector.rfc7677SHA256
    var client = try SCRAMFixtures.client()
    client.fixedNonce = bytes(vector.clientNonce)
    _ = try client.start()
    _ = try client.receiveServerFirst(bytes(vector.serverFirst))
    expectSCRAMError(.invalidServerSignature) {
        try client.receiveServerFinal(bytes("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
    }
    #expect(!client.isAuthenticated)
}
