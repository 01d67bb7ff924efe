import CastellanAuth
import CastellanBridge
@testable import CastellanService
import CastellanStore
import Foundation
import SupervisionTesting
import SwiftASN1
import Testing
import X509

/// The service over its real socket, driven as the plugin drives it.
@Suite struct ServiceDecisionTests {
    @Test func password_allowsTheRightOne_andRefusesWrongAndUnknownAlike() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("correct horse", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)

            let allowed = try await plugin.decide(.password(1, client: "dev1", username: "dev1", password: "correct horse"))
            #expect(allowed.result == .allow)
            #expect(allowed.username == "dev1")
            let rules = try ClientACL.decode(allowed.rules)
            #expect(rules.check(topic: "devices/dev1/temp", access: .publish))
            #expect(!rules.check(topic: "devices/dev2/temp", access: .publish))

            let v311 = try await plugin.decide(.password(2, client: "dev1", username: "dev1", password: "correct horse", protocolLevel: .v311))
            #expect(v311.result == .allow)
            let wrong = try await plugin.decide(.password(3, client: "dev1", username: "dev1", password: "wrong"))
            let unknown = try await plugin.decide(.password(4, client: "ghost", username: "ghost", password: "correct horse"))
            #expect(wrong == .deny)
            #expect(unknown == .deny)
        }
    }

    @Test func clientIDOrUsernameOtherThanTheIdentity_isRefused() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("pw-pw-pw", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, client: "dev2", username: "dev1", password: "pw-pw-pw")) == .deny)
            try await service.addDevice("cert1", policy: .cert)
            let issued = try await service.issueCertificate("cert1")
            let der = try issued.der()
            #expect(try await plugin.decide(.certificate(2, client: "cert1", der: der)).result == .allow)
            #expect(try await plugin.decide(.certificate(3, client: "someone-else", der: der)) == .deny)
            let impostor = BridgeMessage.basicAuth(BasicAuthRequest(
                connection: 4, protocolLevel: .v5, address: "", clientID: Array("cert1".utf8),
                username: Array("admin".utf8), password: nil, certificate: der))
            #expect(try await plugin.decide(impostor) == .deny)
        }
    }

    @Test func totp_acceptsAFreshCodeOnce_andNeverAnOlderOne() async throws {
        try await withService { service in
            try await service.addDevice("otp1", policy: .totp)
            let totp = try await service.enrolTOTP("otp1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            let now = ServiceHarness.now
            let code = try totp.code(at: now)
            #expect(try await plugin.decide(.password(1, client: "otp1", username: "otp1", password: code)).result == .allow)
            #expect(try await plugin.decide(.password(2, client: "otp1", username: "otp1", password: code)) == .deny)
            let old = try totp.code(at: now - 2 * Int64(totp.period))
            #expect(try await plugin.decide(.password(3, client: "otp1", username: "otp1", password: old)) == .deny)
        }
    }

    @Test func scram_completesWithTheServerSignature_andAWrongPasswordIsRefused() async throws {
        try await withService { service in
            try await service.addDevice("s1", policy: .scram)
            try await service.setPassword("sesame-sesame", for: "s1")
            let plugin = try await PluginPeer.connect(to: service.socket)

            var client = try SCRAMClient(mechanism: .sha256, username: "s1", password: "sesame-sesame", entropy: SystemEntropy())
            let first = try await plugin.decide(.scram(7, step: .start, client: "s1", data: try client.start()))
            #expect(first.result == .continue)
            let final = try await plugin.decide(.scram(7, step: .continue, client: "s1", data: try client.receiveServerFirst(first.data)))
            #expect(final.result == .allow)
            try client.receiveServerFinal(final.data)
            #expect(client.isAuthenticated)

            var wrong = try SCRAMClient(mechanism: .sha256, username: "s1", password: "not-sesame", entropy: SystemEntropy())
            let wrongFirst = try await plugin.decide(.scram(8, step: .start, client: "s1", data: try wrong.start()))
            let refused = try await plugin.decide(.scram(8, step: .continue, client: "s1", data: try wrong.receiveServerFirst(wrongFirst.data)))
            #expect(refused == .deny)
        }
    }

    /// A re-authentication must prove the device the connection was admitted as: one with
    /// another device's password is refused — here where any client id goes, so no client-id
    /// check refuses it first. (SCRAM's allow comes with the CONTINUE, not with the START that
    /// says it is a re-authentication: a check on that step alone let it through.)
    @Test func aSCRAMReauthentication_asAnotherDevice_isRefused() async throws {
        try await withService { service in
            try service.reconfigure { $0.replacingOccurrences(of: "client_id_binding: equal", with: "client_id_binding: any") }
            for name in ["s1", "s2"] {
                try await service.addDevice(name, policy: .scram)
                try await service.setPassword("sesame-sesame", for: name)
            }
            let plugin = try await PluginPeer.connect(to: service.socket)
            func exchange(_ step: ExtAuthRequest.Step, as device: String) async throws -> BridgeDecision.Result {
                var client = try SCRAMClient(mechanism: .sha256, username: device, password: "sesame-sesame", entropy: SystemEntropy())
                let first = try await plugin.decide(.scram(7, step: step, client: "s1", data: try client.start()))
                #expect(first.result == .continue)
                return try await plugin.decide(.scram(7, step: .continue, client: "s1", data: try client.receiveServerFirst(first.data))).result
            }
            #expect(try await exchange(.start, as: "s1") == .allow)
            #expect(try await exchange(.reauthenticate, as: "s1") == .allow)
            #expect(try await exchange(.reauthenticate, as: "s2") == .deny)
            #expect(service.server.context.sessions.all.map(\.device.rawValue) == ["s1"])
        }
    }

    /// An exchange goes when its connection closes, whichever way it was answered (the first
    /// connect the usual way, the next ones in the fast lane): the table holds only what a live
    /// connection may still ask for. (Kept for their lifetime, they filled it in a connect loop,
    /// and it refused new STARTs.)
    @Test func scramExchanges_goWithTheirConnections() async throws {
        try await withService { service in
            try await service.addDevice("s5", policy: .scram)
            try await service.setPassword("sesame-sesame", for: "s5")
            let plugin = try await PluginPeer.connect(to: service.socket)
            let exchanges = try #require(service.server.context.pools.scramExchanges)
            for connection: UInt64 in 1...4 {
                var client = try SCRAMClient(mechanism: .sha256, username: "s5", password: "sesame-sesame", entropy: SystemEntropy())
                let first = try await plugin.decide(.scram(connection, step: .start, client: "s5", data: try client.start()))
                let final = try await plugin.decide(.scram(connection, step: .continue, client: "s5", data: try client.receiveServerFirst(first.data)))
                #expect(final.result == .allow)
                #expect(exchanges.count == 1, "the finished exchange of the live connection")
                try await plugin.notify(.disconnect(connection: connection, generation: 1))
                #expect(try await plugin.request(.ping) == .pong)  // after the DISCONNECT, in frame order
                #expect(exchanges.count == 0)
            }
            #expect(service.server.context.metrics.fastLaneDecisions > 0, "later exchanges took the fast lane")
            await plugin.close()
        }
    }

    /// A replayed TOTP code refused inside SCRAM is recorded with the reason the password path
    /// gives (`totp_replay`), not as a generic SCRAM failure.
    @Test func scramWithTOTP_aReplayedCode_isRefusedAsATOTPReplay() async throws {
        try await withService { service in
            try await service.addDevice("st1", policy: .scramTOTP)
            try await service.setPassword("sesame-sesame", for: "st1")
            let totp = try await service.enrolTOTP("st1")
            let code = try totp.code(at: ServiceHarness.now)
            let plugin = try await PluginPeer.connect(to: service.socket)
            var results: [BridgeDecision.Result] = []
            for connection: UInt64 in [21, 22] {
                var client = try SCRAMClient(mechanism: .sha256, username: "st1", password: "sesame-sesame", totpCode: code,
                                             entropy: SystemEntropy())
                let first = try await plugin.decide(.scram(connection, step: .start, client: "st1", data: try client.start()))
                let final = try await plugin.decide(.scram(connection, step: .continue, client: "st1",
                                                           data: try client.receiveServerFirst(first.data)))
                results.append(final.result)
            }
            #expect(results == [.allow, .deny])
            await service.server.context.audit.flush()
            let refusal = try #require(try await service.store.recentAudit(limit: 10).last { $0.result == "deny" })
            #expect(refusal.reason?.hasPrefix("totp_replay:") == true, "\(refusal)")
        }
    }

    /// The exchange's state is the pool supervisor's (a supervisor-owned table), not the
    /// worker's: killing every worker between START and CONTINUE loses nothing.
    @Test func scramContinuation_afterItsWorkersWereKilled_isFinishedByTheirReplacements() async throws {
        try await withService { service in
            try await service.addDevice("s2", policy: .scram)
            try await service.setPassword("sesame-sesame", for: "s2")
            let plugin = try await PluginPeer.connect(to: service.socket)

            var client = try SCRAMClient(mechanism: .sha256, username: "s2", password: "sesame-sesame", entropy: SystemEntropy())
            let first = try await plugin.decide(.scram(9, step: .start, client: "s2", data: try client.start()))
            let workers = service.server.tree.environment.registry.paths(under: "/castellan/auth/scram").filter { $0 != "/castellan/auth/scram" }
            #expect(workers.count == 2)
            for path in workers { try await service.server.tree.kill(path: path) }
            for path in workers { await service.recorder.next("child_restarted", at: path) }
            let final = try await plugin.decide(.scram(9, step: .continue, client: "s2", data: try client.receiveServerFirst(first.data)))
            #expect(final.result == .allow)
            try client.receiveServerFinal(final.data)
            #expect(client.isAuthenticated)
        }
    }

    /// A CONTINUE's answer stays with its exchange: the same client-final again — what the
    /// pool's retry runs when the worker that answered died before its reply got out — gets
    /// the same answer, and any other client-final for that exchange is refused: it finishes once.
    @Test func scramContinuation_seenAgain_getsTheSameAnswer_andAnotherClientFinalIsRefused() async throws {
        try await withService { service in
            try await service.addDevice("s4", policy: .scram)
            try await service.setPassword("sesame-sesame", for: "s4")
            let plugin = try await PluginPeer.connect(to: service.socket)

            var client = try SCRAMClient(mechanism: .sha256, username: "s4", password: "sesame-sesame", entropy: SystemEntropy())
            let first = try await plugin.decide(.scram(11, step: .start, client: "s4", data: try client.start()))
            let clientFinal = try client.receiveServerFirst(first.data)
            let final = try await plugin.decide(.scram(11, step: .continue, client: "s4", data: clientFinal))
            #expect(final.result == .allow)
            #expect(try await plugin.decide(.scram(11, step: .continue, client: "s4", data: clientFinal)) == final)
            var other = clientFinal
            other[other.count - 2] = other[other.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(try await plugin.decide(.scram(11, step: .continue, client: "s4", data: other)) == .deny)
            try client.receiveServerFinal(final.data)
            #expect(client.isAuthenticated)
        }
    }

    /// When the pool's supervisor itself restarts, its table goes with it: the CONTINUE fails
    /// closed, and the next exchange succeeds.
    @Test func scramContinuation_afterItsPoolWasRestarted_failsClosed_andTheNextExchangeSucceeds() async throws {
        try await withService { service in
            try await service.addDevice("s3", policy: .scram)
            try await service.setPassword("sesame-sesame", for: "s3")
            let plugin = try await PluginPeer.connect(to: service.socket)

            var client = try SCRAMClient(mechanism: .sha256, username: "s3", password: "sesame-sesame", entropy: SystemEntropy())
            let first = try await plugin.decide(.scram(9, step: .start, client: "s3", data: try client.start()))
            try await service.server.tree.kill(path: "/castellan/auth/scram")
            await service.recorder.next("child_restarted", at: "/castellan/auth/scram")
            let final = try await plugin.decide(.scram(9, step: .continue, client: "s3", data: try client.receiveServerFirst(first.data)))
            #expect(final == .deny)

            var again = try SCRAMClient(mechanism: .sha256, username: "s3", password: "sesame-sesame", entropy: SystemEntropy())
            let start = try await plugin.decide(.scram(10, step: .start, client: "s3", data: try again.start()))
            let done = try await plugin.decide(.scram(10, step: .continue, client: "s3", data: try again.receiveServerFirst(start.data)))
            #expect(done.result == .allow)
        }
    }

    @Test func disablingAConnectedDevice_kicksIt() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("pw-pw-pw", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, client: "dev1", username: "dev1", password: "pw-pw-pw")).result == .allow)
            try await service.store.setEnabled(false, device: try DeviceID("dev1"))
            #expect(try await plugin.nextPushBesidesRules() == .kick(connection: 1, generation: 1))
            #expect(try await plugin.decide(.password(2, client: "dev1", username: "dev1", password: "pw-pw-pw")) == .deny)
        }
    }

    @Test func revokingACertificate_kicksItsDevice_andRefusesIt() async throws {
        try await withService { service in
            try await service.addDevice("cert1", policy: .cert)
            let issued = try await service.issueCertificate("cert1")
            let der = try issued.der()
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.certificate(1, client: "cert1", der: der)).result == .allow)
            try await service.store.revokeCertificate(serial: issued.serial, at: ServiceHarness.now, reason: "keyCompromise")
            #expect(try await plugin.nextPushBesidesRules() == .kick(connection: 1, generation: 1))
            #expect(try await plugin.decide(.certificate(2, client: "cert1", der: der)) == .deny)
        }
    }

    @Test func changingADevicesRules_pushesTheNewRulesToItsConnection() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("pw-pw-pw", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(5, client: "dev1", username: "dev1", password: "pw-pw-pw")).result == .allow)
            _ = try await service.store.addRule(try ACLRule(effect: "allow", access: "subscribe", pattern: "fleet/+/status"),
                                                scope: .device(try DeviceID("dev1")))
            guard case .setRules(5, 1, let bytes) = try await plugin.nextPush() else { Issue.record("expected SET_RULES"); return }
            #expect(try ClientACL.decode(bytes).check(topic: "fleet/+/status", access: .subscribe))
        }
    }

    @Test func everyDecision_reachesTheAuditTrail_withoutTheSecret_atTheTimeItWasMade() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("hunter2-hunter2", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            let before = AuditEntry.time(of: Date())
            _ = try await plugin.decide(.password(1, client: "dev1", username: "dev1", password: "hunter2-hunter2"))
            _ = try await plugin.decide(.password(2, client: "dev1", username: "dev1", password: "hunter3-hunter3"))
            let after = AuditEntry.time(of: Date())
            await service.server.context.audit.flush()
            let entries = try await service.store.recentAudit(limit: 10)
            #expect(entries.map(\.result) == ["allow", "deny"])
            #expect(entries.allSatisfy { $0.identity == "dev1" && $0.brokerID == "test-broker" && $0.method == "password" })
            #expect(!entries.contains { "\($0)".contains("hunter") })
            // One unit end to end: Unix milliseconds, so the entry's date is now, not 1970.
            #expect(entries.allSatisfy { (before...after).contains($0.time) }, "\(entries.map(\.time)) not in \(before)...\(after)")
            // ...and `castellan audit tail` prints that real date.
            let tail = try await CLIProcess.run(["audit", "tail", "--decisions", "-n", "2"], config: service.configuration.file)
            let today = String(Date().formatted(.iso8601).prefix(10))
            let lines = tail.output.split(separator: "\n")
            #expect(tail.status == 0 && lines.count == 2, "\(tail.error)")
            #expect(lines.allSatisfy { $0.hasPrefix(today + "T") }, "\(lines)")
        }
    }

    @Test func anUnknownEnhancedAuthMethod_isRefused_andRecordedAsOther_notAsWhatTheClientWrote() async throws {
        try await withService { service in
            let plugin = try await PluginPeer.connect(to: service.socket)
            let invented = "X-EVIL-\(UInt64.random(in: 0...UInt64.max))"
            #expect(try await plugin.decide(.scram(11, step: .start, client: "c1", method: invented, data: Array("n,,n=a,r=x".utf8))) == .deny)
            #expect(try await plugin.decide(.scram(12, step: .start, client: "c1", method: "SCRAM-SHA-1-PLUS", data: [])) == .deny)
            await service.server.context.audit.flush()
            let entries = try await service.store.recentAudit(limit: 10)
            #expect(entries.map(\.method) == ["other", "other"])
            #expect(entries.map(\.result) == ["deny", "deny"])
            #expect(!entries.contains { "\($0)".contains(invented) })
        }
    }
}
