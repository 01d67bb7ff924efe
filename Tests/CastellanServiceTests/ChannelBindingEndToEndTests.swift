import CastellanAuth
import CastellanBridge
import CastellanClient
import CastellanService
import Foundation
import Testing
import X509

/// SCRAM `-PLUS` (RFC 5802 with `tls-server-end-point`, RFC 5929): offered on the TLS password
/// listener only, bound to the broker certificate Castellan issued, so an exchange relayed
/// through another TLS endpoint fails. mosquitto 2.1 names each connection's listener; 2.0
/// cannot, and there `-PLUS` is offered nowhere.
@Suite struct ChannelBindingEndToEndTests {
    private static let password = "sesame-sesame"

    /// What a device computes from the certificate it saw in its TLS handshake.
    private static func binding(of certificate: Certificate) throws -> SCRAMChannelBinding {
        try SCRAMChannelBinding.tlsServerEndPoint(certificateDER: try certificate.serializeAsPEM().derBytes)
    }

    private static func brokerBinding(_ stack: Stack) throws -> SCRAMChannelBinding {
        try SCRAMChannelBinding.tlsServerEndPoint(certificatePEM: try String(contentsOfFile: stack.serverPrefix + ".pem", encoding: .utf8))
    }

    /// A fixed mechanism and binding, whatever the connection: what a device behind a relay, or
    /// a hand-built client, sends.
    private static func fixed(_ mechanism: SCRAMMechanism, binding: SCRAMChannelBinding?) -> MQTTAuthentication {
        MQTTAuthentication {
            try SCRAMAuthMechanism(mechanism: mechanism, username: "s1", password: password, channelBinding: binding)
        }
    }

    private static func scramDevice(_ stack: Stack, mechanism: SCRAMMechanism = .sha256) async throws {
        try await stack.service.addDevice("s1", policy: .scram)
        try await stack.service.setPassword(password, for: "s1", mechanism: mechanism)
    }

    private static func lastDecision(_ stack: Stack) async throws -> (method: String, result: String, reason: String?) {
        await stack.service.server.context.audit.flush()
        let entry = try #require(try await stack.service.store.recentAudit(limit: 1).last)
        return (entry.method, entry.result, entry.reason)
    }

    @Test(arguments: [SCRAMMechanism.sha256, .sha512])
    func theSDKOverTLS_usesPlus_andIsAcceptedOnTheTLSPasswordListener(_ mechanism: SCRAMMechanism) async throws {
        try await withStack { stack in
            try await Self.scramDevice(stack, mechanism: mechanism)
            let client = stack.tlsClient("s1", authentication: .scram(mechanism, username: "s1", password: Self.password))
            guard stack.line != .v2_0 else {
                // 2.0 cannot say which listener a connection came in on: -PLUS is offered
                // nowhere, and a device that insists on it is refused; unbound SCRAM works.
                #expect(await client.connectCode() == .notAuthorized)
                #expect(try await Self.lastDecision(stack).reason?.hasPrefix("not_permitted:") == true)
                let unbound = stack.tlsClient("s1", authentication: .scram(mechanism, username: "s1", password: Self.password,
                                                                           channelBinding: false))
                #expect(await unbound.connectCode() == .success)
                await unbound.disconnect()
                return
            }
            let result = try await client.connect()
            #expect(result.properties.authenticationMethod == mechanism.name + "-PLUS")
            let decision = try await Self.lastDecision(stack)
            #expect(decision.method == mechanism.name + "-PLUS" && decision.result == "allow", "\(decision)")
            try await client.reauthenticate()  // bound to the same channel again
            #expect(try await client.publish(topic: "devices/s1/x", payload: [1], qos: .atLeastOnce) != .notAuthorized)
            await client.disconnect()
            let wrong = stack.tlsClient("s1", authentication: .scram(mechanism, username: "s1", password: "not-sesame"))
            #expect(await wrong.connectCode() == .notAuthorized)
        }
    }

    /// What an operator types: `castellan client connect --tls --scram` binds by default and
    /// says so; `--no-channel-binding` connects with plain SCRAM.
    @Test func theCLI_overTLS_connectsWithPlus_unlessToldNotTo() async throws {
        try await withStack { stack in
            guard stack.line != .v2_0 else { return }  // no -PLUS on 2.0 at all (see above)
            try await Self.scramDevice(stack)
            let passwordFile = stack.service.directory.file("s1.password")
            try (Self.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
            let arguments = ["client", "connect", "--host", "127.0.0.1", "--port", "\(stack.tlsPasswordPort)", "--tls",
                             "--ca", stack.service.configuration.caDirectory + "/ca.pem", "--server-name", "localhost",
                             "--username", "s1", "--password-file", passwordFile, "--scram", "SCRAM-SHA-256"]
            let bound = try await CLIProcess.run(arguments, config: nil)
            #expect(bound.status == 0 && bound.output == "accepted: client id s1 (SCRAM-SHA-256-PLUS)\n", "\(bound)")
            let unbound = try await CLIProcess.run(arguments + ["--no-channel-binding", "--json"], config: nil)
            #expect(unbound.status == 0 && unbound.output.contains("\"auth_method\":\"SCRAM-SHA-256\""), "\(unbound)")
        }
    }

    /// A relay that terminates TLS with a certificate of its own — here even one from the same
    /// CA, for the same name, so the device trusts it — and passes the MQTT bytes on to the
    /// broker: the device binds to the relay's certificate, the service to the broker's.
    @Test func anExchangeBoundToAnotherCertificate_isRefused() async throws {
        try await withStack { stack in
            guard stack.line != .v2_0 else { return }  // no -PLUS on 2.0 at all (see above)
            try await Self.scramDevice(stack)
            let relay = try stack.service.ca.issueServer(dns: ["localhost"], ips: ["127.0.0.1"])
            let relayed = stack.tlsClient("s1", authentication: Self.fixed(.sha256Plus, binding: try Self.binding(of: relay.certificate)))
            #expect(await relayed.connectCode() == .notAuthorized)
            let refusal = try await Self.lastDecision(stack)
            #expect(refusal.method == "SCRAM-SHA-256-PLUS" && refusal.result == "deny")
            #expect(refusal.reason?.contains("channel_bindings_dont_match") == true, "\(refusal)")
            // The same exchange bound to the broker's own certificate goes through.
            let direct = stack.tlsClient("s1", authentication: Self.fixed(.sha256Plus, binding: try Self.brokerBinding(stack)))
            #expect(await direct.connectCode() == .success)
            await direct.disconnect()
        }
    }

    /// The attack itself: a real relay (``TLSRelay``) in front of the TLS password listener. The
    /// SDK binds to the certificate of its TLS peer, the relay, and is refused; plain SCRAM
    /// through the same relay goes through — which is what `-PLUS` is for.
    @Test func theSDKBehindATLSRelay_isRefused() async throws {
        try await withStack { stack in
            guard stack.line != .v2_0 else { return }  // no -PLUS on 2.0 at all (see above)
            try await Self.scramDevice(stack)
            let prefix = stack.service.directory.file("relay")
            try stack.service.ca.issueServer(dns: ["localhost"], ips: ["127.0.0.1"]).write(prefix: prefix)
            let relay = try await TLSRelay.start(certificateFile: prefix + ".pem", keyFile: prefix + ".key",
                                                 caFile: stack.service.configuration.caDirectory + "/ca.pem", target: stack.tlsPasswordPort)
            let relayed = stack.tlsClient("s1", authentication: .scram(.sha256, username: "s1", password: Self.password), port: relay.port)
            let code = await relayed.connectCode()
            let refusal = try await Self.lastDecision(stack)
            let unbound = stack.tlsClient("s1", authentication: .scram(.sha256, username: "s1", password: Self.password, channelBinding: false),
                                          port: relay.port)
            let unboundCode = await unbound.connectCode()
            await unbound.disconnect()
            await relay.stop()
            #expect(code == .notAuthorized)
            #expect(refusal.method == "SCRAM-SHA-256-PLUS" && refusal.reason?.contains("channel_bindings_dont_match") == true, "\(refusal)")
            #expect(unboundCode == .success, "the relay itself works")
        }
    }

    @Test func plusOverThePlainListener_isRefused_evenWithTheRightBindingData() async throws {
        try await withStack { stack in
            try await Self.scramDevice(stack)
            let client = stack.client("s1", authentication: Self.fixed(.sha256Plus, binding: try Self.brokerBinding(stack)))
            #expect(await client.connectCode() == .notAuthorized)
            let refusal = try await Self.lastDecision(stack)
            #expect(refusal.method == "SCRAM-SHA-256-PLUS" && refusal.reason?.hasPrefix("not_permitted:") == true, "\(refusal)")
            // The SDK over plain TCP has nothing to bind to, and uses plain SCRAM.
            let plain = stack.client("s1", authentication: .scram(.sha256, username: "s1", password: Self.password))
            #expect(await plain.connectCode() == .success)
            await plain.disconnect()
        }
    }

    /// RFC 5802 §6: `y` says "I could bind, but I think you cannot". Where -PLUS is offered that
    /// is a downgrade (someone stripped it) and is refused; elsewhere it is fine. `n` ("I cannot
    /// bind") is accepted everywhere.
    @Test func theYFlag_isRefusedWherePlusIsOffered_andAcceptedElsewhere() async throws {
        try await withStack { stack in
            try await Self.scramDevice(stack)
            let binding = try Self.brokerBinding(stack)
            let yOverTLS = stack.tlsClient("s1", authentication: Self.fixed(.sha256, binding: binding))
            if stack.line == .v2_0 {
                #expect(await yOverTLS.connectCode() == .success)
                await yOverTLS.disconnect()
            } else {
                #expect(await yOverTLS.connectCode() == .notAuthorized)
                #expect(try await Self.lastDecision(stack).reason?.contains("server_does_support_channel_binding") == true)
            }
            let yOverPlain = stack.client("s1", authentication: Self.fixed(.sha256, binding: binding))
            #expect(await yOverPlain.connectCode() == .success)
            await yOverPlain.disconnect()
            let nOverTLS = stack.tlsClient("s1", authentication: Self.fixed(.sha256, binding: nil))
            #expect(await nOverTLS.connectCode() == .success)
            await nOverTLS.disconnect()
        }
    }

    /// The service alone, told by a scripted plugin which listener each exchange came in on: the
    /// decision depends on the port, whatever mosquitto line is installed.
    @Test func theService_offersPlusOnTheConfiguredPortOnly() async throws {
        try await withService { service in
            let issued = try service.ca.issueServer(dns: ["localhost"], ips: ["127.0.0.1"])
            try issued.write(prefix: service.directory.file("broker"))  // where castellan.yaml's folder has it by default
            try service.reconfigure { $0.replacingOccurrences(of: "tls_password_port: 8884", with: "tls_password_port: 9884") }
            try await service.addDevice("s1", policy: .scram)
            try await service.setPassword(Self.password, for: "s1")
            let binding = try Self.binding(of: issued.certificate)
            let plugin = try await PluginPeer.connect(to: service.socket)
            var results: [BridgeDecision.Result] = []
            for (connection, port): (UInt64, UInt16) in [(31, 9884), (32, 8884), (33, 0)] {
                var client = try SCRAMClient(mechanism: .sha256Plus, username: "s1", password: Self.password, channelBinding: binding,
                                             entropy: SystemEntropy())
                let first = try await plugin.decide(.scram(connection, step: .start, client: "s1", method: "SCRAM-SHA-256-PLUS",
                                                           data: try client.start(), listenerPort: port))
                guard first.result == .continue else {
                    results.append(first.result)
                    continue
                }
                let final = try await plugin.decide(.scram(connection, step: .continue, client: "s1", method: "SCRAM-SHA-256-PLUS",
                                                           data: try client.receiveServerFirst(first.data), listenerPort: port))
                results.append(final.result)
            }
            #expect(results == [.allow, .deny, .deny])
        }
    }
}
