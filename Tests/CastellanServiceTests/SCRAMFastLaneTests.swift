import CastellanAuth
import CastellanBridge
import CastellanClient
@testable import CastellanService
@testable import CastellanStore
import Foundation
import Testing

/// SCRAM's fast lane (both steps of a clean device's exchange answered on the link's thread from
/// its last allow), against the real broker with the real plugin and the CLI a process of its
/// own: a reconnect takes it, and a wrong password, a change from the CLI and a stranger's
/// guesses hold on the very next connect, exactly as the usual way holds them.
@Suite struct SCRAMFastLaneTests {
    private func attempt(_ stack: Stack, _ password: String, from address: String? = nil) async -> MQTTReasonCode? {
        let client = stack.client("s1", authentication: .scram(.sha256, username: "s1", password: password), localAddress: address)
        let code = await client.connectCode()
        if code == .success { await client.disconnect() }
        return code
    }

    /// Device `s1`, policy `scram`.
    private func scramDevice(_ stack: Stack, password: String) async throws -> DeviceID {
        let id = try await stack.service.addDevice("s1", policy: .scram)
        try await stack.service.setPassword(password, for: "s1")
        return id
    }

    /// Connects until a whole exchange — its START and its CONTINUE — is answered in the fast
    /// lane (the first connect after start is not: it fills the cache).
    private func reachFastLane(_ stack: Stack, _ password: String, from address: String? = nil) async throws {
        let metrics = stack.service.server.context.metrics
        for _ in 0..<50 {
            let before = metrics.fastLaneDecisions
            #expect(await attempt(stack, password, from: address) == .success)
            if metrics.fastLaneDecisions == before + 2 { return }
        }
        Issue.record("no SCRAM connect was answered in the fast lane")
    }

    @Test func aReconnect_isAnsweredInTheFastLane_andAWrongPasswordIsRefused_countedAndNamed() async throws {
        try await withStack { stack in
            let id = try await scramDevice(stack, password: "right-password")
            try await reachFastLane(stack, "right-password")
            let context = stack.service.server.context
            #expect(await attempt(stack, "wrong-password", from: "127.0.0.2") == .notAuthorized)
            await context.failures.flush()
            #expect(try await stack.service.store.record(for: id, from: "127.0.0.2").consecutiveFailures == 1)
            await context.audit.flush()
            let refusals = try await stack.service.store.recentAudit(limit: 200).filter { $0.result == "deny" }.compactMap(\.reason)
            #expect(refusals == ["bad_credentials: password did not verify"])
            let before = context.metrics.fastLaneDecisions
            #expect(await attempt(stack, "right-password") == .success)
            #expect(context.metrics.fastLaneDecisions == before, "a device with a failure on record goes the usual way")
        }
    }

    @Test func aPasswordChangeFromTheCLI_refusesTheOldPasswordOnTheNextConnect() async throws {
        try await withStack { stack in
            _ = try await scramDevice(stack, password: "old-old-old-old")
            try await reachFastLane(stack, "old-old-old-old")
            let changed = try await CLIProcess.run(["scram", "set", "s1", "--password-stdin"], config: stack.service.configuration.file,
                                                   stdin: "new-new-new-new\n")
            #expect(changed.status == 0, "\(changed.error)")
            #expect(await attempt(stack, "old-old-old-old") == .notAuthorized)
            #expect(await attempt(stack, "new-new-new-new") == .success)
        }
    }

    @Test func aDeviceDisabledFromTheCLI_isRefusedOnTheNextConnect() async throws {
        try await withStack { stack in
            _ = try await scramDevice(stack, password: "right-password")
            try await reachFastLane(stack, "right-password")
            let disabled = try await CLIProcess.run(["device", "disable", "s1"], config: stack.service.configuration.file)
            #expect(disabled.status == 0, "\(disabled.error)")
            #expect(await attempt(stack, "right-password") == .notAuthorized)
        }
    }

    /// A stranger who knows the device id guesses from its own address: every wrong proof is
    /// counted, so the lockout holds for the right password from there too, and not for the
    /// device's own address.
    @Test func aStrangersGuesses_lockTheirAddress_evenForTheRightPassword() async throws {
        try await withStack { stack in
            try stack.service.reconfigure {
                $0.replacingOccurrences(of: "threshold: 5", with: "threshold: 3")
                    .replacingOccurrences(of: "base_delay: 1\n", with: "base_delay: 600\n")
            }
            let id = try await scramDevice(stack, password: "right-password")
            try await reachFastLane(stack, "right-password", from: "127.0.0.3")
            for _ in 0..<3 { #expect(await attempt(stack, "wrong-password", from: "127.0.0.2") == .notAuthorized) }
            await stack.service.server.context.failures.flush()
            #expect(try await stack.service.store.record(for: id, from: "127.0.0.2").consecutiveFailures == 3)
            #expect(await attempt(stack, "right-password", from: "127.0.0.2") == .notAuthorized, "the guesser's address is locked out")
            #expect(await attempt(stack, "right-password", from: "127.0.0.3") == .success, "the device's own address is not")
        }
    }

    /// A START answered in the fast lane, then the password changed before the CONTINUE: the
    /// CONTINUE goes the usual way, which reads the device again and refuses a proof made for
    /// the credential the exchange began with.
    @Test func aPasswordChangedBetweenStartAndContinue_refusesTheExchange() async throws {
        try await withService { service in
            try await service.addDevice("s1", policy: .scram)
            try await service.setPassword("old-old-old-old", for: "s1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            let metrics = service.server.context.metrics
            var connection: UInt64 = 0
            func exchange(changingThePasswordBetween change: Bool) async throws -> (result: BridgeDecision.Result, inFastLane: Int) {
                connection += 1
                let before = metrics.fastLaneDecisions
                var client = try SCRAMClient(mechanism: .sha256, username: "s1", password: "old-old-old-old", entropy: SystemEntropy())
                let first = try await plugin.decide(.scram(connection, step: .start, client: "s1", data: try client.start()))
                #expect(first.result == .continue)
                if change { try await service.setPassword("new-new-new-new", for: "s1") }
                let final = try await plugin.decide(.scram(connection, step: .continue, client: "s1",
                                                           data: try client.receiveServerFirst(first.data)))
                try await plugin.notify(.disconnect(connection: connection, generation: 1))
                return (final.result, metrics.fastLaneDecisions - before)
            }
            var reached = false
            for _ in 0..<50 where !reached {
                let (result, inFastLane) = try await exchange(changingThePasswordBetween: false)
                #expect(result == .allow)
                reached = inFastLane == 2
            }
            #expect(reached, "an exchange was answered in the fast lane")
            let changed = try await exchange(changingThePasswordBetween: true)
            #expect(changed.inFastLane == 1, "the START in the fast lane, the CONTINUE the usual way")
            #expect(changed.result == .deny)
            await plugin.close()
        }
    }
}
