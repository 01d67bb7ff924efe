import CastellanAuth
import CastellanBridge
import CastellanClient
@testable import CastellanService
@testable import CastellanStore
import Foundation
import Testing

/// The fast lane (a cached password connect, or both steps of a SCRAM exchange, decided on the
/// link's thread from the device's last allow) against the real broker with the real plugin, the
/// CLI a process of its own: it is taken on a reconnect, and nothing an operator or a stranger
/// changes waits for it — a change committed by another process holds on the very next connect,
/// not a notifier's poll later.
@Suite struct FastLaneTests {
    /// How the device `pw1` proves itself: both ways have a fast lane.
    typealias Proof = PasswordProof

    private func attempt(_ stack: Stack, _ password: String, clientID: String = "pw1", from address: String? = nil,
                         proof: Proof = .password) async -> MQTTReasonCode? {
        let client = stack.client("pw1", proving: password, by: proof, clientID: clientID, localAddress: address)
        let code = await client.connectCode()
        if code == .success { await client.disconnect() }
        return code
    }

    /// Device `pw1`, proving itself with `proof` and `password`.
    private func device(_ stack: Stack, _ proof: Proof, password: String = "right-password") async throws -> DeviceID {
        let id = try await stack.service.addDevice("pw1", policy: proof.policy)
        try await stack.service.setPassword(password, for: "pw1")
        return id
    }

    /// Device `pw1` with password `right-password`, under a lockout of three failures that lasts.
    private func lockingDevice(_ stack: Stack, _ proof: Proof = .password) async throws -> DeviceID {
        try stack.service.lockOutAtTheThirdFailure()
        return try await device(stack, proof)
    }

    /// Connects until a connect is decided in the fast lane — for SCRAM its CONTINUE (the first
    /// after start is not: the notifier has not read the change log yet, and the first of a
    /// device fills the cache).
    private func reachFastLane(_ stack: Stack, _ password: String, from address: String? = nil, proof: Proof = .password) async throws {
        let metrics = stack.service.server.context.metrics
        for _ in 0..<50 {
            let before = metrics.fastLaneDecisions
            #expect(await attempt(stack, password, from: address, proof: proof) == .success)
            if metrics.fastLaneDecisions > before { return }
        }
        Issue.record("no connect was decided in the fast lane")
    }

    @Test func aReconnect_isDecidedInTheFastLane_butNotWithAnotherClientIDOrAWrongPassword() async throws {
        try await withStack { stack in
            try stack.service.reconfigure { $0.replacingOccurrences(of: "client_id_binding: equal", with: "client_id_binding: prefix") }
            _ = try await stack.service.addDevice("pw1", policy: .password)
            try await stack.service.setPassword("right-password", for: "pw1")
            try await reachFastLane(stack, "right-password")
            let metrics = stack.service.server.context.metrics
            let before = metrics.fastLaneDecisions
            #expect(await attempt(stack, "wrong-password") == .notAuthorized)
            #expect(await attempt(stack, "right-password", clientID: "pw1/other") == .success)
            #expect(metrics.fastLaneDecisions == before, "another password or client id goes the usual way")
        }
    }

    @Test(arguments: Proof.allCases)
    func aPasswordChangeFromTheCLI_refusesTheOldPasswordOnTheNextConnect(_ proof: Proof) async throws {
        try await withStack { stack in
            _ = try await device(stack, proof, password: "old-old-old-old")
            try await reachFastLane(stack, "old-old-old-old", proof: proof)
            let changed = try await CLIProcess.run(["scram", "set", "pw1", "--password-stdin"], config: stack.service.configuration.file,
                                                   stdin: "new-new-new-new\n")
            #expect(changed.status == 0, "\(changed.error)")
            #expect(await attempt(stack, "old-old-old-old", proof: proof) == .notAuthorized)
            #expect(await attempt(stack, "new-new-new-new", proof: proof) == .success)
        }
    }

    @Test(arguments: Proof.allCases)
    func aDeviceDisabledFromTheCLI_isRefusedOnTheNextConnect(_ proof: Proof) async throws {
        try await withStack { stack in
            _ = try await device(stack, proof)
            try await reachFastLane(stack, "right-password", proof: proof)
            let disabled = try await CLIProcess.run(["device", "disable", "pw1"], config: stack.service.configuration.file)
            #expect(disabled.status == 0, "\(disabled.error)")
            #expect(await attempt(stack, "right-password", proof: proof) == .notAuthorized)
        }
    }

    /// A stranger who knows the device id and guesses from its own address: the guesses take the
    /// device out of the fast lane, so the lockout holds for the right password too.
    @Test(arguments: Proof.allCases)
    func aStrangersGuesses_lockTheirAddress_evenForTheRightPassword(_ proof: Proof) async throws {
        try await withStack { stack in
            let id = try await lockingDevice(stack, proof)
            try await reachFastLane(stack, "right-password", from: "127.0.0.3", proof: proof)
            // Guesses until three are counted: in a loaded full-suite run (twice) none of three
            // guesses was counted, nor checked — a refusal that checks nothing (`unavailable`, say)
            // counts nothing and tells the guesser nothing. What is asserted below is that every
            // guess refused for its password was counted.
            var counted = 0
            for _ in 0..<50 where counted < 3 {
                #expect(await attempt(stack, "wrong-password", from: "127.0.0.2", proof: proof) == .notAuthorized)
                await stack.service.server.context.failures.flush()
                counted = try await stack.service.store.record(for: id, from: "127.0.0.2").consecutiveFailures
            }
            // What was not counted was not checked either: every refusal for a wrong password
            // counted, and named as a wrong password whichever way it was proven.
            await stack.service.server.context.audit.flush()
            let refusals = try await stack.service.store.recentAudit(limit: 200).filter { $0.address == "127.0.0.2" && $0.result == "deny" }
            let reasons = refusals.compactMap(\.reason)
            #expect(counted == 3 && reasons.filter { $0 == "bad_credentials: password did not verify" }.count == counted,
                    "\(counted) failures counted from the guesser's address; refusals: \(reasons)")
            let guessersRight = await attempt(stack, "right-password", from: "127.0.0.2", proof: proof)
            #expect(guessersRight == .notAuthorized,
                    "the guesser's address is locked out; got \(String(describing: guessersRight)) with \(counted) failures counted from it")
            let metrics = stack.service.server.context.metrics
            let before = metrics.fastLaneDecisions
            #expect(await attempt(stack, "right-password", from: "127.0.0.3", proof: proof) == .success, "the device's own address is not")
            #expect(metrics.fastLaneDecisions == before, "a device with failures on record is decided the usual way")
        }
    }

    /// The password changed between START and CONTINUE, for a device whose CONTINUE the fast lane
    /// answers: the CONTINUE goes the usual way, which reads the device again and refuses a proof
    /// made for the credential the exchange began with. And a START is never answered in the fast
    /// lane, whose speed would tell a stranger which device ids connected lately.
    @Test func aSCRAMPasswordChangedBetweenStartAndContinue_refusesTheExchange() async throws {
        try await withService { service in
            try await service.addDevice("pw1", policy: .scram)
            try await service.setPassword("old-old-old-old", for: "pw1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            let metrics = service.server.context.metrics
            var connection: UInt64 = 0
            func exchange(changingThePasswordBetween change: Bool) async throws -> (result: BridgeDecision.Result, inFastLane: Int) {
                connection += 1
                let before = metrics.fastLaneDecisions
                var client = try SCRAMClient(mechanism: .sha256, username: "pw1", password: "old-old-old-old", entropy: SystemEntropy())
                let first = try await plugin.decide(.scram(connection, step: .start, client: "pw1", data: try client.start()))
                #expect(first.result == .continue)
                #expect(metrics.fastLaneDecisions == before, "the START goes the usual way")
                if change { try await service.setPassword("new-new-new-new", for: "pw1") }
                let final = try await plugin.decide(.scram(connection, step: .continue, client: "pw1",
                                                           data: try client.receiveServerFirst(first.data)))
                try await plugin.notify(.disconnect(connection: connection, generation: 1))
                return (final.result, metrics.fastLaneDecisions - before)
            }
            var reached = false
            for _ in 0..<50 where !reached {
                let (result, inFastLane) = try await exchange(changingThePasswordBetween: false)
                #expect(result == .allow)
                reached = inFastLane == 1
            }
            #expect(reached, "a CONTINUE was answered in the fast lane")
            let changed = try await exchange(changingThePasswordBetween: true)
            #expect(changed.inFastLane == 0, "the CONTINUE went the usual way")
            #expect(changed.result == .deny)
            await plugin.close()
        }
    }

    /// Failures another service counted (on a shared store) reach this one through the change
    /// log's `device.failed` record: the next connect is judged against the store, and locked.
    @Test func failuresWrittenByAnotherService_holdOnTheNextConnect() async throws {
        try await withStack { stack in
            let id = try await lockingDevice(stack)
            try await reachFastLane(stack, "right-password", from: "127.0.0.2")
            // What another service's failure ledger writes: not this service's ledger.
            let now = Int64(Date().timeIntervalSince1970)
            try await stack.service.store.apply(Array(repeating: .failure(id, source: "127.0.0.2", at: now), count: 3))
            let changes = try await stack.service.store.changes(after: 0, limit: 100).map(\.event)
            #expect(changes.filter { $0 == .firstFailure(id) }.count == 1, "one record for the first failure, none for the others")
            #expect(await attempt(stack, "right-password", from: "127.0.0.2") == .notAuthorized)
        }
    }

    @Test func aCertificateReconnect_isDecidedInTheFastLane_andARevocationFromTheCLI_refusesTheNextConnect() async throws {
        try await withStack { stack in
            _ = try await stack.service.addDevice("cam1", policy: .cert)
            let issued = try await stack.service.issueCertificate("cam1")
            let metrics = stack.service.server.context.metrics
            var reached = false
            for _ in 0..<50 where !reached {
                let before = metrics.fastLaneDecisions
                let client = try stack.certificateClient("cam1", certificate: issued)
                #expect(await client.connectCode() == .success)
                await client.disconnect()
                reached = metrics.fastLaneDecisions > before
            }
            #expect(reached, "a certificate reconnect reached the fast lane")
            let revoked = try await CLIProcess.run(["cert", "revoke", "--device", "cam1"], config: stack.service.configuration.file)
            #expect(revoked.status == 0, "\(revoked.error)")
            #expect(await (try stack.certificateClient("cam1", certificate: issued)).connectCode() == .notAuthorized)
        }
    }

    /// Decided in the pipeline as the frame arrives, a fast-lane allow still enters its session
    /// before the frames behind it are seen: the DISCONNECT right behind it on the wire closes
    /// it, and an allow with nothing behind it stays, for the kicks to find.
    @Test func aFastLaneAllow_entersItsSession_andTheDisconnectBehindItClosesIt() async throws {
        try await withService { service in
            let id = try await service.addDevice("pw1", policy: .password)
            try await service.setPassword("right-password", for: "pw1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            let context = service.server.context
            var generation: UInt64 = 0
            func connect() -> BridgeMessage {
                generation += 1
                return .password(7, generation: generation, client: "pw1", username: "pw1", password: "right-password")
            }
            var before = context.metrics.fastLaneDecisions
            for _ in 0..<200 where context.metrics.fastLaneDecisions == before {
                #expect(try await plugin.decide(connect()).result == .allow)
                try await plugin.notify(.disconnect(connection: 7, generation: generation))
            }
            #expect(context.metrics.fastLaneDecisions > before, "a reconnect reached the fast lane")

            before = context.metrics.fastLaneDecisions
            let closed = try await plugin.decide(connect(), thenNotify: .disconnect(connection: 7, generation: generation))
            #expect(closed.result == .allow && context.metrics.fastLaneDecisions == before + 1)
            #expect(try await plugin.request(.ping) == .pong)  // after the DISCONNECT, in frame order
            #expect(context.sessions.sessions(of: id).isEmpty)

            #expect(try await plugin.decide(connect()).result == .allow)
            #expect(context.metrics.fastLaneDecisions == before + 2)
            #expect(context.sessions.sessions(of: id).map(\.generation) == [generation])
            await plugin.close()
        }
    }

    /// Frames a plugin sends before the HELLO_ACK (it should not) reach the frame loop before
    /// the lane opens: the frame loop makes their inline calls itself, once — the sessions of
    /// the allowed requests are entered, and the DISCONNECT behind one of them closes it.
    @Test func framesSentBeforeTheHelloAck_areHandledOnce_inWireOrder() async throws {
        try await withService { service in
            let id = try await service.addDevice("pw1", policy: .password)
            try await service.setPassword("right-password", for: "pw1")
            let (plugin, ids) = try await PluginPeer.connect(to: service.socket, sendingRightBehindHello: [
                .password(1, generation: 1, client: "pw1", username: "pw1", password: "right-password"),
                .password(2, generation: 1, client: "pw1", username: "pw1", password: "right-password"),
                .disconnect(connection: 2, generation: 1),
            ])
            #expect(try await plugin.decision(for: ids[0]).result == .allow)
            #expect(try await plugin.decision(for: ids[1]).result == .allow)
            #expect(try await plugin.request(.ping) == .pong)  // after the DISCONNECT, in frame order
            #expect(service.server.context.sessions.sessions(of: id).map(\.connection) == [1])
            await plugin.close()
        }
    }
}
