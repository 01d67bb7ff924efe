import CastellanAuth
import CastellanCA
import CastellanClient
@testable import CastellanStore
import PostgresNIO
import Foundation
import ServerTesting
import Testing

/// What an operator changes with the CLI — a process of its own, beside `castellan serve`, a
/// process of its own — holds on live sessions within a second, on both store backends.
@Suite struct LiveChangeTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A folder set up for `store`, with `castellan serve` running on it as a process and a
    /// broker with the plugin in front of it. `prepare` adds devices first, through the store.
    private func serving(
        _ store: Store, _ fixtures: Fixtures, prepare: (ServiceHarness) async throws -> Void
    ) async throws -> (setup: ServiceHarness, stack: Stack) {
        let (setup, stack, _) = try await servingProcess(store, fixtures, prepare: prepare)
        return (setup, stack)
    }

    /// ``serving(_:_:prepare:)``, with the `castellan serve` process (to kill it).
    private func servingProcess(
        _ store: Store, _ fixtures: Fixtures, prepare: (ServiceHarness) async throws -> Void
    ) async throws -> (setup: ServiceHarness, stack: Stack, serve: ServeProcess) {
        let url: String? = switch store {
        case .sqlite: nil
        case .postgres: try await PostgresServer.shared.makeDatabase().socketURL
        }
        let setup = try await fixtures.service(store: url)
        try await prepare(setup)
        try await setup.stop()
        let serve = try await fixtures.serve(configuration: setup.configuration.file)
        let stack = try await fixtures.stack(service: setup, timeoutMilliseconds: 5_000)
        return (setup, stack, serve)
    }

    /// Connects until the broker admits the client (the plugin reaches a freshly started
    /// service from its first TICK). Each try is a real CONNACK; the tries are bounded.
    private func connected(_ makeClient: () throws -> MQTTClient) async throws -> MQTTClient? {
        for _ in 0..<100 {
            let client = try makeClient()
            if await client.connectCode() == .success { return client }
        }
        return nil
    }

    /// Runs the CLI; returns how long the device's session lived after the command returned
    /// (at most 10 s: a session still open then counts as never kicked).
    private func kickDelay(
        of client: MQTTClient, after arguments: [String], config: String, stdin: String = ""
    ) async throws -> (Duration, CLIProcess.Result) {
        let ended = Task { await client.waitUntilDisconnected(); return ContinuousClock.now }
        let result = try await CLIProcess.run(arguments, config: config, stdin: stdin)
        let returned = ContinuousClock.now
        return (returned.duration(to: await Self.first(ended, orAfter: .seconds(10))), result)
    }

    /// When `task` finished, or `bound` from now if it did not by then (it is cancelled).
    static func first(_ task: Task<ContinuousClock.Instant, Never>, orAfter bound: Duration) async -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + bound
        return await withTaskGroup(of: ContinuousClock.Instant?.self) { group in
            group.addTask { await task.value }
            group.addTask { try? await Task.sleep(until: deadline); return nil }  // a bound, not a synchronisation
            let first = await group.next() ?? nil
            group.cancelAll()
            task.cancel()
            return first ?? deadline
        }
    }

    @Test(arguments: Store.allCases)
    func certRevokeFromTheCLI_kicksTheDevice_andItsReconnectIsRefused(_ store: Store) async throws {
        try await withFixtures { fixtures in
            var certificate: IssuedCertificate?
            let (setup, stack) = try await serving(store, fixtures) { setup in
                try await setup.addDevice("cam1", policy: .cert)
                certificate = try await setup.issueCertificate("cam1")
            }
            let issued = try #require(certificate)
            let client = try #require(try await connected { try stack.certificateClient("cam1", certificate: issued) })

            let (delay, result) = try await kickDelay(of: client, after: ["cert", "revoke", "--device", "cam1"], config: setup.configuration.file)
            #expect(result.status == 0, "\(result.error)")
            #expect(delay <= .seconds(1), "kicked \(delay) after the command returned")
            #expect(await (try stack.certificateClient("cam1", certificate: issued)).connectCode() == .notAuthorized)
        }
    }

    @Test(arguments: Store.allCases)
    func deviceDisableFromTheCLI_kicksPasswordAndCertificateDevices(_ store: Store) async throws {
        try await withFixtures { fixtures in
            var certificate: IssuedCertificate?
            let (setup, stack) = try await serving(store, fixtures) { setup in
                try await setup.addDevice("cam1", policy: .cert)
                certificate = try await setup.issueCertificate("cam1")
                try await setup.addDevice("pw1", policy: .password)
                try await setup.setPassword("pw-pw-pw-pw", for: "pw1")
            }
            let issued = try #require(certificate)
            let camera = try #require(try await connected { try stack.certificateClient("cam1", certificate: issued) })
            let sensor = try #require(try await connected { stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw") })

            let (cameraDelay, cameraResult) = try await kickDelay(of: camera, after: ["device", "disable", "cam1"], config: setup.configuration.file)
            #expect(cameraResult.status == 0, "\(cameraResult.error)")
            #expect(cameraDelay <= .seconds(1), "kicked \(cameraDelay) after the command returned")
            let (sensorDelay, _) = try await kickDelay(of: sensor, after: ["device", "disable", "pw1"], config: setup.configuration.file)
            #expect(sensorDelay <= .seconds(1), "kicked \(sensorDelay) after the command returned")
            #expect(await stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw").connectCode() == .notAuthorized)
        }
    }

    @Test(arguments: Store.allCases)
    func scramSetWithANewPassword_kicksTheOldSession_refusesTheOldPassword_acceptsTheNew(_ store: Store) async throws {
        try await withFixtures { fixtures in
            let (setup, stack) = try await serving(store, fixtures) { setup in
                try await setup.addDevice("pw1", policy: .password)
                try await setup.setPassword("old-old-old-old", for: "pw1")
                try await setup.addDevice("cam1", policy: .cert)
            }
            let session = try #require(try await connected { stack.client("pw1", username: "pw1", password: "old-old-old-old") })

            let (delay, result) = try await kickDelay(
                of: session, after: ["scram", "set", "pw1", "--password-stdin"], config: setup.configuration.file,
                stdin: "new-new-new-new\n")
            #expect(result.status == 0, "\(result.error)")
            #expect(delay <= .seconds(1), "kicked \(delay) after the command returned")
            #expect(await stack.client("pw1", username: "pw1", password: "old-old-old-old").connectCode() == .notAuthorized)
            #expect(await stack.client("pw1", username: "pw1", password: "new-new-new-new").connectCode() == .success)
        }
    }

    /// Reconnects — on SQLite the fast lane answers them from the device's last allow (for SCRAM,
    /// its CONTINUE) — and then a change from the CLI: it holds on the very next connect, before
    /// and after `serve` is killed and started again.
    @Test(arguments: Store.allCases, PasswordProof.allCases)
    func afterReconnects_aChangeFromTheCLI_holdsOnTheNextConnect_acrossAServeRestart(_ store: Store, _ proof: PasswordProof) async throws {
        try await withFixtures { fixtures in
            let (setup, stack, serve) = try await servingProcess(store, fixtures) { setup in
                try await setup.addDevice("pw1", policy: proof.policy)
                try await setup.setPassword("old-old-old-old", for: "pw1")
            }
            let config = setup.configuration.file
            func code(_ password: String) async -> MQTTReasonCode? {
                let client = stack.client("pw1", proving: password, by: proof)
                let code = await client.connectCode()
                if code == .success { await client.disconnect() }
                return code
            }
            let first = try #require(try await connected { stack.client("pw1", proving: "old-old-old-old", by: proof) })
            await first.disconnect()
            for _ in 0..<5 { #expect(await code("old-old-old-old") == .success) }
            let changed = try await CLIProcess.run(["scram", "set", "pw1", "--password-stdin"], config: config, stdin: "new-new-new-new\n")
            #expect(changed.status == 0, "\(changed.error)")
            #expect(await code("old-old-old-old") == .notAuthorized)

            serve.kill()
            _ = try await fixtures.serve(configuration: config)
            // The plugin reconnects with backoff (at most 2 s); each try is a real CONNACK.
            let deadline = ContinuousClock.now + .seconds(15)
            var back = false
            while !back, ContinuousClock.now < deadline { back = await code("new-new-new-new") == .success }
            #expect(back, "the plugin never reached the restarted service")
            for _ in 0..<5 { #expect(await code("new-new-new-new") == .success) }
            let disabled = try await CLIProcess.run(["device", "disable", "pw1"], config: config)
            #expect(disabled.status == 0, "\(disabled.error)")
            #expect(await code("new-new-new-new") == .notAuthorized)
        }
    }

    @Test(arguments: Store.allCases)
    func theChangeLog_namesEveryMutationAndItsActor_inAuditTail(_ store: Store) async throws {
        try await withFixtures { fixtures in
            let (setup, _) = try await serving(store, fixtures) { _ in }
            let config = setup.configuration.file
            let steps: [([String], String)] = [
                (["device", "add", "pump1", "--policy", "password+totp", "--group", "line1"], ""),
                (["scram", "set", "pump1", "--password-stdin"], "pw-pw-pw-pw\n"),
                (["totp", "enroll", "pump1"], ""),
                (["acl", "add", "--device", "pump1", "allow", "publish", "plant/pump1/#"], ""),
                (["device", "disable", "pump1"], ""),
                (["device", "enable", "pump1"], ""),
                (["device", "unlock", "pump1"], ""),
                (["cert", "issue", "pump1", "--out", setup.directory.file("pump1")], ""),
                (["cert", "revoke", "--device", "pump1"], ""),
                (["device", "remove", "pump1"], ""),
            ]
            for (arguments, stdin) in steps {
                let result = try await CLIProcess.run(arguments, config: config, stdin: stdin)
                #expect(result.status == 0, "\(arguments): \(result.error)")
            }
            let tail = try await CLIProcess.run(["audit", "tail", "--changes", "--json", "-n", "100"], config: config)
            #expect(tail.status == 0, "\(tail.error)")
            let records = tail.output.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let kinds = records.compactMap { $0["kind"] as? String }
            #expect(kinds == [
                "device.added", "credential.secret", "credential.totp", "rules.device", "device.disabled", "device.enabled",
                "device.unlocked", "certificate.issued", "certificate.revoked", "device.removed",
            ])
            let user = try #require(records.first?["actor"] as? String)
            #expect(user.hasPrefix("user:"))
            #expect(records.allSatisfy { $0["actor"] as? String == user && $0["device"] as? String == "pump1" })

            let decisions = try await CLIProcess.run(["audit", "tail", "--decisions", "--json"], config: config)
            #expect(decisions.status == 0 && !decisions.output.contains("device.added"))
        }
    }

    @Test(arguments: Store.allCases)
    func deviceClientIDFromTheCLI_kicksTheSessionWithAnotherClientID_andOnlyTheBoundOneGetsIn(_ store: Store) async throws {
        try await withFixtures { fixtures in
            let (setup, stack) = try await serving(store, fixtures) { setup in
                try await setup.addDevice("pw1", policy: .password)
                try await setup.setPassword("pw-pw-pw-pw", for: "pw1")
            }
            let config = setup.configuration.file
            let session = try #require(try await connected { stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw") })

            // Bad input is refused before anything is opened, with the rule.
            let bad = try await CLIProcess.run(["device", "client-id", "pw1", "pw1/sensor"], config: config)
            #expect(bad.status == 1 && bad.error.contains("other than '+', '#' and '/'"), "\(bad)")
            let both = try await CLIProcess.run(["device", "client-id", "pw1", "pw1-ctl", "--clear"], config: config)
            #expect(both.status == 2, "\(both)")

            let (delay, result) = try await kickDelay(of: session, after: ["device", "client-id", "pw1", "pw1-ctl"], config: config)
            #expect(result.status == 0 && result.output.hasPrefix("device pw1 is bound to client id pw1-ctl\n"), "\(result)")
            #expect(delay <= .seconds(1), "kicked \(delay) after the command returned")
            #expect(await stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw").connectCode() == .notAuthorized)
            #expect(await stack.client("pw1-ctl", username: "pw1", password: "pw-pw-pw-pw").connectCode() == .success)

            let shown = try await CLIProcess.run(["device", "show", "pw1"], config: config)
            #expect(shown.output.contains("client id: pw1-ctl (bound"), "\(shown)")
            let json = try await CLIProcess.run(["device", "show", "pw1", "--json"], config: config)
            #expect(json.output.contains("\"clientID\" : \"pw1-ctl\""), "\(json)")
            let listed = try await CLIProcess.run(["device", "list"], config: config)
            #expect(listed.output.hasPrefix("ID\tENABLED\tPOLICY\tGROUPS\tCREDENTIAL\npw1\tyes\tpassword\t-\t-\n"), "device list keeps its columns")
            let taken = try await CLIProcess.run(["device", "add", "pw2", "--policy", "password", "--client-id", "pw1-ctl"], config: config)
            #expect(taken.status == 1 && taken.error.contains("belongs to device 'pw1'"), "\(taken)")
            let audit = try await CLIProcess.run(["audit", "tail", "--changes", "--json"], config: config)
            #expect(audit.output.contains("\"kind\":\"device.clientid\""), "\(audit)")
        }
    }

    /// Two services on one PostgreSQL store, each with its broker; every backend of the database
    /// is terminated (the followers' LISTEN connections among them) right before a revocation
    /// from the CLI: both brokers still kick the device once their followers are back.
    @Test func twoServicesOnPostgres_kickOnBothBrokers_evenWhenTheirListenersWereTerminated() async throws {
        try await withFixtures { fixtures in
            let database = try await PostgresServer.shared.makeDatabase()
            let setupA = try await fixtures.service(store: database.socketURL)
            let setupB = try await fixtures.service(store: database.socketURL, sharing: setupA)
            try await setupA.addDevice("cam1", policy: .cert)
            let issued = try await setupA.issueCertificate("cam1")
            try await setupA.stop()
            try await setupB.stop()
            _ = try await fixtures.serve(configuration: setupA.configuration.file)
            _ = try await fixtures.serve(configuration: setupB.configuration.file)
            let brokerA = try await fixtures.stack(service: setupA, timeoutMilliseconds: 5_000)
            let brokerB = try await fixtures.stack(service: setupB, timeoutMilliseconds: 5_000)
            let onA = try #require(try await connected { try brokerA.certificateClient("cam1", certificate: issued) })
            let onB = try #require(try await connected { try brokerB.certificateClient("cam1", certificate: issued) })

            let terminated = try await Self.terminateEveryBackend(of: database, key: setupA.configuration.masterKeyFile)
            #expect(terminated >= 2)
            let endA = Task { await onA.waitUntilDisconnected(); return ContinuousClock.now }
            let endB = Task { await onB.waitUntilDisconnected(); return ContinuousClock.now }
            let result = try await CLIProcess.run(["cert", "revoke", "--device", "cam1"], config: setupA.configuration.file)
            #expect(result.status == 0, "\(result.error)")
            let returned = ContinuousClock.now
            // The followers' LISTEN connections are back within their first backoff (200 ms),
            // before the CLI process has started; each also reads the log once a second.
            for end in [endA, endB] {
                let delay = returned.duration(to: await Self.first(end, orAfter: .seconds(10)))
                #expect(delay <= .seconds(1), "kicked \(delay) after the command returned")
            }
        }
    }

    /// What a server restart or an administrator does: every backend of the database but the
    /// one asking is terminated. Returns how many were.
    static func terminateEveryBackend(of database: PostgresServer.Database, key file: String) async throws -> Int {
        let store = try await PostgresStore.open(PostgresURL(parsing: database.socketURL), masterKey: MasterKey.load(from: file))
        let terminated = try await store.read { connection in
            try await connection.query("""
                SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t
                """, logger: store.logger).collect().first?.decode(Int.self)
        }
        await store.close()
        return terminated ?? 0
    }
}
