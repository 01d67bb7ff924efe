import CastellanAuth
import Crypto
import Foundation
import Testing
import X509

private let brokerBinding = SCRAMChannelBinding.tlsServerEndPoint(certificateHash: Array(repeating: 0xAB, count: 32))

private func plusConfiguration() -> SCRAMServerConfiguration {
    var configuration = SCRAMFixtures.configuration
    configuration.channelBindingEnabled = true
    return configuration
}

@Test(arguments: [SCRAMMechanism.sha256Plus, .sha512Plus])
func scramPlus_sameBindingOnBothSides_authenticates(mechanism: SCRAMMechanism) throws {
    let account = SCRAMAccount(credential: try SCRAMFixtures.credential(mechanism: mechanism.withoutChannelBinding))
    var server = try SCRAMFixtures.server(mechanism, configuration: plusConfiguration(), channelBinding: brokerBinding)
    var client = try SCRAMFixtures.client(mechanism, channelBinding: brokerBinding)
    let first = try client.start()
    #expect(text(first).hasPrefix("p=tls-server-end-point,,n=user,r="))
    _ = try server.receiveClientFirst(first)
    let clientFinal = try client.receiveServerFirst(try server.respond(to: account))
    guard case .success(let serverFinal) = try server.receiveClientFinal(clientFinal) else {
        Issue.record("expected success")
        return
    }
    try client.receiveServerFinal(serverFinal)
    #expect(client.isAuthenticated)
}

@Test func scramPlus_clientSeesAnotherCertificate_isChannelBindingsDontMatch() throws {
    let account = SCRAMAccount(credential: try SCRAMFixtures.credential())
    var server = try SCRAMFixtures.server(.sha256Plus, configuration: plusConfiguration(), channelBinding: brokerBinding)
    let attacker = SCRAMChannelBinding.tlsServerEndPoint(certificateHash: Array(repeating: 0xCD, count: 32))
    var client = try SCRAMFixtures.client(.sha256Plus, channelBinding: attacker)
    _ = try server.receiveClientFirst(try client.start())
    let clientFinal = try client.receiveServerFirst(try server.respond(to: account))
    expectSCRAMError(.channelBindingsDontMatch) { _ = try server.receiveClientFinal(clientFinal) }
}

@Test func scramPlus_isOffByDefault() throws {
    #expect(SCRAMFixtures.configuration.mechanisms(channelBindingAvailable: true) == [.sha512, .sha256])
    #expect(plusConfiguration().mechanisms(channelBindingAvailable: true) == [.sha512Plus, .sha256Plus, .sha512, .sha256])
    #expect(plusConfiguration().mechanisms(channelBindingAvailable: false) == [.sha512, .sha256])
    expectSCRAMError(.channelBindingNotSupported) {
        _ = try SCRAMFixtures.server(.sha256Plus, channelBinding: brokerBinding)
    }
    expectSCRAMError(.channelBindingNotSupported) {
        _ = try SCRAMFixtures.server(.sha256Plus, configuration: plusConfiguration(), channelBinding: nil)
    }
}

@Test func scramPlus_yFlag_isRefusedWhereOfferedAndAcceptedElsewhere() throws {
    var offered = try SCRAMFixtures.server(.sha256, configuration: plusConfiguration(), channelBinding: brokerBinding)
    expectSCRAMError(.serverDoesSupportChannelBinding) { _ = try offered.receiveClientFirst(bytes("y,,n=user,r=abc")) }

    var plainListener = try SCRAMFixtures.server(.sha256, configuration: plusConfiguration(), channelBinding: nil)
    #expect(try plainListener.receiveClientFirst(bytes("y,,n=user,r=abc")) == "user")

    var disabled = try SCRAMFixtures.server(.sha256, channelBinding: brokerBinding)
    #expect(try disabled.receiveClientFirst(bytes("y,,n=user,r=abc")) == "user")
}

@Test func scramPlus_yFlagExchange_completesWhenPlusIsNotOffered() throws {
    let account = SCRAMAccount(credential: try SCRAMFixtures.credential())
    var server = try SCRAMFixtures.server()
    var client = try SCRAMFixtures.client(channelBinding: brokerBinding)  // could bind, chose SCRAM-SHA-256
    let first = try client.start()
    #expect(text(first).hasPrefix("y,,"))
    _ = try server.receiveClientFirst(first)
    let clientFinal = try client.receiveServerFirst(try server.respond(to: account))
    #expect(text(clientFinal).hasPrefix("c=eSws,"))
    guard case .success = try server.receiveClientFinal(clientFinal) else {
        Issue.record("expected success")
        return
    }
}

@Test func scramPlus_flagAndMechanismMismatches_areRefused() throws {
    let cases: [(String, SCRAMError.Code)] = [
        ("n,,n=user,r=abc", .channelBindingsDontMatch),
        ("y,,n=user,r=abc", .channelBindingsDontMatch),
        ("p=tls-unique,,n=user,r=abc", .unsupportedChannelBindingType),
        ("p=tls-exporter,,n=user,r=abc", .unsupportedChannelBindingType),
    ]
    for (message, code) in cases {
        var server = try SCRAMFixtures.server(.sha256Plus, configuration: plusConfiguration(), channelBinding: brokerBinding)
        expectSCRAMError(code) { _ = try server.receiveClientFirst(bytes(message)) }
    }
}

@Test func scramPlus_cWithoutTheBindingData_isRefused() throws {
    var server = try SCRAMFixtures.server(.sha256Plus, configuration: plusConfiguration(), channelBinding: brokerBinding)
    _ = try server.receiveClientFirst(bytes("p=tls-server-end-point,,n=user,r=abc"))
    let serverFirst = text(try server.respond(to: SCRAMAccount(credential: try SCRAMFixtures.credential())))
    let nonce = serverFirst.split(separator: ",")[0].dropFirst(2)
    let headerOnly = Data("p=tls-server-end-point,,".utf8).base64EncodedString()
    expectSCRAMError(.channelBindingsDontMatch) {
        _ = try server.receiveClientFinal(bytes("c=\(headerOnly),r=\(nonce),p=AAAA"))
    }
}

@Test func scramChannelBinding_fromCertificate_hashesWithTheSignatureHash() throws {
    let key = P256.Signing.PrivateKey()
    let name = try DistinguishedName { CommonName("broker") }
    func der(_ algorithm: Certificate.SignatureAlgorithm) throws -> [UInt8] {
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date(), notValidAfter: Date().addingTimeInterval(3600), issuer: name, subject: name,
            signatureAlgorithm: algorithm, extensions: .init(), issuerPrivateKey: .init(key))
        return try certificate.serializeAsPEM().derBytes
    }
    let p256 = try der(.ecdsaWithSHA256)
    #expect(try SCRAMChannelBinding.tlsServerEndPoint(certificateDER: p256).data == Array(SHA256.hash(data: p256)))
    let p384 = try der(.ecdsaWithSHA384)
    #expect(try SCRAMChannelBinding.tlsServerEndPoint(certificateDER: p384).data == Array(SHA384.hash(data: p384)))
    #expect(throws: (any Error).self) { _ = try SCRAMChannelBinding.tlsServerEndPoint(certificateDER: [0x30, 0x00]) }
}
