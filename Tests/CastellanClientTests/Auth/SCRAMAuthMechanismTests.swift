import CastellanAuth
import CastellanClient
import Testing

/// The SDK's SCRAM mechanism against CastellanAuth's server state machine, in-process.
@Suite("SCRAM enhanced-auth mechanism")
struct SCRAMAuthMechanismTests {
    private static let entropy = SystemEntropy()

    private func server(_ mechanism: SCRAMMechanism) throws -> SCRAMServer {
        try SCRAMServer(mechanism: mechanism, configuration: try SCRAMServerConfiguration(entropy: Self.entropy),
                        createdAt: .now, entropy: Self.entropy)
    }

    private func account(_ mechanism: SCRAMMechanism, password: String = "pencil", totp: Bool = false) throws -> SCRAMAccount {
        SCRAMAccount(credential: try SCRAMCredential.generate(password: password, mechanism: mechanism, entropy: Self.entropy),
                     requiresTOTP: totp)
    }

    /// Runs the exchange up to server-final; returns the mechanism ready for `finish` and the server's last message.
    private func exchange(
        _ client: inout SCRAMAuthMechanism, _ server: inout SCRAMServer, account: SCRAMAccount
    ) throws -> SCRAMServer.FinalStep {
        let first = try #require(try client.initialData())
        #expect(try server.receiveClientFirst(first) == "user")
        let serverFirst = try server.respond(to: account)
        let clientFinal = try client.continue(with: serverFirst)
        return try server.receiveClientFinal(clientFinal)
    }

    @Test("SCRAM-SHA-256 and -512 complete and verify the server's signature", arguments: [SCRAMMechanism.sha256, .sha512])
    func exchange_completesMutually(mechanism: SCRAMMechanism) throws {
        var client = try SCRAMAuthMechanism(mechanism: mechanism, username: "user", password: "pencil")
        var server = try server(mechanism)
        #expect(client.method == mechanism.name)
        guard case .success(let serverFinal) = try exchange(&client, &server, account: try account(mechanism)) else {
            Issue.record("expected success")
            return
        }
        try client.finish(with: serverFinal)
        #expect(server.authenticatedUsername == "user")
    }

    @Test("a server that sends a wrong signature fails the exchange")
    func wrongServerSignature_fails() throws {
        var client = try SCRAMAuthMechanism(mechanism: .sha256, username: "user", password: "pencil")
        var server = try server(.sha256)
        guard case .success(var serverFinal) = try exchange(&client, &server, account: try account(.sha256)) else {
            Issue.record("expected success")
            return
        }
        // Flip one base64 character of v=…
        serverFinal[4] = serverFinal[4] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: SCRAMError.self) { try client.finish(with: serverFinal) }
    }

    @Test("a server that sends no server-final fails the exchange")
    func missingServerFinal_fails() throws {
        var client = try SCRAMAuthMechanism(mechanism: .sha512, username: "user", password: "pencil")
        var server = try server(.sha512)
        _ = try exchange(&client, &server, account: try account(.sha512))
        #expect(throws: (any Error).self) { try client.finish(with: nil) }
    }

    @Test("a server that does not know the password cannot produce a signature the client accepts")
    func impostorServer_fails() throws {
        var client = try SCRAMAuthMechanism(mechanism: .sha256, username: "user", password: "pencil")
        var impostor = try server(.sha256)
        // The impostor holds a credential for another password: the proof fails on its side,
        // and whatever it makes up as server-final fails on ours.
        #expect(throws: SCRAMError.self) { try exchange(&client, &impostor, account: try account(.sha256, password: "other")) }
        #expect(throws: (any Error).self) { try client.finish(with: Array("v=AAAA".utf8)) }
    }

    @Test("SCRAM with TOTP sends the current code as t= and completes when the server accepts it")
    func scramWithTOTP_sendsTheCode() throws {
        let secret = try TOTPSecret(bytes: Array("12345678901234567890".utf8))
        let totp = try TOTP(secret: secret)
        let authentication = MQTTAuthentication.scramWithTOTP(.sha256, username: "user", password: "pencil", totp: totp, now: { 59 })
        var client = try #require(try authentication.makeMechanism(MQTTAuthenticationChannel()) as? SCRAMAuthMechanism)
        var server = try server(.sha256)
        guard case .checkTOTP(let username, let code) = try exchange(&client, &server, account: try account(.sha256, totp: true)) else {
            Issue.record("expected a TOTP check")
            return
        }
        #expect(username == "user")
        #expect(code == "287082")
        try client.finish(with: try server.completeTOTP(accepted: true))
    }

    @Test("over TLS the SCRAM factory takes the -PLUS form, bound to the broker's certificate; over TCP, or told not to, plain SCRAM")
    func scramFactory_bindsOverTLSOnly() throws {
        let binding = SCRAMChannelBinding.tlsServerEndPoint(certificateHash: Array(repeating: 7, count: 32))
        let tls = MQTTAuthenticationChannel(tlsServerEndPoint: binding)
        func start(_ authentication: MQTTAuthentication, _ channel: MQTTAuthenticationChannel) throws -> (String, String) {
            var mechanism = try authentication.makeMechanism(channel)
            return (mechanism.method, String(decoding: try #require(try mechanism.initialData()), as: UTF8.self))
        }
        let bound = try start(.scram(.sha256, username: "user", password: "pencil"), tls)
        #expect(bound.0 == "SCRAM-SHA-256-PLUS" && bound.1.hasPrefix("p=tls-server-end-point,,n=user,"))
        let plain = try start(.scram(.sha512, username: "user", password: "pencil"), MQTTAuthenticationChannel())
        #expect(plain.0 == "SCRAM-SHA-512" && plain.1.hasPrefix("n,,n=user,"))
        let unbound = try start(.scram(.sha512, username: "user", password: "pencil", channelBinding: false), tls)
        #expect(unbound.0 == "SCRAM-SHA-512" && unbound.1.hasPrefix("n,,n=user,"))
        let totp = try TOTP(secret: try TOTPSecret(bytes: Array("12345678901234567890".utf8)))
        let withCode = try start(.scramWithTOTP(.sha256, username: "user", password: "pencil", totp: totp, now: { 59 }), tls)
        #expect(withCode.0 == "SCRAM-SHA-256-PLUS" && withCode.1.hasPrefix("p=tls-server-end-point,,"))
        // A -PLUS mechanism with nothing to bind to fails its exchange rather than send unbound.
        #expect(throws: (any Error).self) {
            _ = try MQTTAuthentication.scram(.sha256Plus, username: "user", password: "pencil").makeMechanism(MQTTAuthenticationChannel())
        }
    }

    @Test("a step out of order is refused")
    func outOfOrderSteps_areRefused() throws {
        var client = try SCRAMAuthMechanism(mechanism: .sha256, username: "user", password: "pencil")
        #expect(throws: (any Error).self) { try client.finish(with: Array("v=AAAA".utf8)) }
        var fresh = try SCRAMAuthMechanism(mechanism: .sha256, username: "user", password: "pencil")
        _ = try fresh.initialData()
        #expect(throws: (any Error).self) { try fresh.initialData() }
    }
}
