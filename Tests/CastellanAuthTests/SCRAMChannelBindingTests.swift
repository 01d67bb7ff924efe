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

/// RFC 5929 §4.1 against an independent implementation: each fixture's binding data must equal
/// its fingerprint as OpenSSL computes it, with the hash the rule picks —
/// `openssl x509 -in Tests/Fixtures/channel-binding/<file> -noout -fingerprint -<hash>`.
@Test(arguments: [
    // ECDSA with SHA-256: SHA-256.
    ("ecdsa-sha256.pem", "57:09:3F:D7:1A:2D:B4:D6:71:48:37:72:AA:A7:7F:C9:F0:50:E9:35:18:DA:A8:39:E8:C5:3E:4E:F2:A2:08:C9"),
    // ECDSA with SHA-384 (P-384): SHA-384.
    ("ecdsa-sha384.pem", "F2:26:16:50:06:CC:C9:CE:14:3F:FB:53:0E:67:F3:2E:A4:FE:C4:CF:44:14:8F:04:FB:59:74:D1:E8:AA:EA:88:48:3A:F9:D6:47:0A:9C:D0:00:A9:AB:4C:2F:24:1F:9D"),
    // RSA with SHA-512: SHA-512.
    ("rsa-sha512.pem", "39:A4:9B:0C:69:FC:50:BF:26:8F:3E:CA:99:D4:B8:6B:36:E9:16:D0:97:37:D5:1A:E9:3C:53:87:F2:4D:A1:1E:AF:31:13:75:33:74:AA:A9:37:48:44:14:23:98:A8:90:38:4A:80:BC:3A:55:87:4B:DA:A3:BC:10:47:E1:29:7A"),
    // RSA with SHA-1: SHA-256, never SHA-1.
    ("rsa-sha1.pem", "54:59:EE:40:9F:A0:12:92:0B:AE:60:4F:88:EC:78:71:B8:22:46:C9:CB:27:6C:62:AE:5A:B1:4D:54:20:89:1C"),
])
func scramChannelBinding_ofAKnownCertificate_isItsOpenSSLFingerprint(file: String, fingerprint: String) throws {
    let pem = try String(contentsOfFile: channelBindingFixtures + file, encoding: .utf8)
    let expected = fingerprint.split(separator: ":").map { UInt8($0, radix: 16)! }
    let binding = try SCRAMChannelBinding.tlsServerEndPoint(certificatePEM: pem)
    #expect(binding.type == "tls-server-end-point")
    #expect(binding.data == expected)
    // A chain file (mosquitto's certfile may hold one): the first certificate, the server's own, counts.
    let other = try String(contentsOfFile: channelBindingFixtures + (file == "rsa-sha1.pem" ? "rsa-sha512.pem" : "rsa-sha1.pem"), encoding: .utf8)
    #expect(try SCRAMChannelBinding.tlsServerEndPoint(certificatePEM: pem + other).data == expected)
}

@Test func scramChannelBinding_ofPEMWithoutACertificate_throws() {
    #expect(throws: (any Error).self) { _ = try SCRAMChannelBinding.tlsServerEndPoint(certificatePEM: "") }
    #expect(throws: (any Error).self) {
        _ = try SCRAMChannelBinding.tlsServerEndPoint(certificatePEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    }
}

private let channelBindingFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/channel-binding/").path + "/"
