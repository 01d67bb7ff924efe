import CastellanAuth
import CastellanClient
import Foundation
import Glibc
import SupervisionTesting
import Testing

/// A session open across a restart of `castellan serve` is still under its control: the real
/// broker and plugin, `castellan serve` as a process SIGKILLed mid-session, the CLI as a
/// process. The plugin reports its live connections when it reconnects; the service re-checks
/// them and keeps the power to kick them.
@Suite(.serialized) struct ResyncEndToEndTests {
    /// Each try is a real CONNACK (the plugin of a fresh broker denies until its first TICK
    /// connects it); bounded.
    private func connectEventually(_ client: MQTTClient) async -> Bool {
        for _ in 0..<100 {
            if await client.connectCode() == .success { return true }
        }
        return false
    }

    /// Whether `client` is disconnected by the broker within `limit`.
    private func disconnected(_ client: MQTTClient, within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await client.waitUntilDisconnected(); return true }
            group.addTask { try? await Task.sleep(for: limit); return false }  // a bound, not a synchronisation
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test func serveKilledAndRestarted_whileADeviceStaysConnected_thenDisabling_kicksItWithinOneSecond() async throws {
        try await withFixtures { fixtures in
            let setup = try await fixtures.service()
            try await setup.addDevice("dev1", policy: .password)
            try await setup.setPassword("pw-pw-pw-pw", for: "dev1")
            try await setup.stop()
            let serve = try await fixtures.serve(configuration: setup.configuration.file)
            let stack = try await fixtures.stack(service: setup, timeoutMilliseconds: 2000)
            let client = stack.client("dev1", username: "dev1", password: "pw-pw-pw-pw")
            #expect(await connectEventually(client))

            serve.kill()
            // Back on the same folder (in-process, so the test can change the store through it
            // and await its resync; the CLI's path to a running service is the change follower's).
            let restarted = try await fixtures.restart(setup)
            await restarted.server.context.brokerResynced.wait()
            let started = ContinuousClock.now
            try await restarted.store.setEnabled(false, device: try DeviceID("dev1"))
            #expect(await disconnected(client, within: .seconds(5)))
            #expect(started.duration(to: .now) < .seconds(1))
        }
    }

    @Test func certificateRevokedWithTheCLI_whileServeWasDown_isKickedOnceThePluginIsBack() async throws {
        try await withFixtures { fixtures in
            let setup = try await fixtures.service()
            try await setup.addDevice("cam0", policy: .cert)
            let certificate = try await setup.issueCertificate("cam0")
            try await setup.stop()
            let serve = try await fixtures.serve(configuration: setup.configuration.file)
            let stack = try await fixtures.stack(service: setup, timeoutMilliseconds: 2000)
            let live = try stack.certificateClient("cam0", certificate: certificate)
            #expect(await connectEventually(live))

            serve.kill()
            let revoke = try await CLIProcess.run(["cert", "revoke", "--device", "cam0"], config: setup.configuration.file)
            #expect(revoke.status == 0, "\(revoke.error)")
            #expect(try await live.publish(topic: "devices/cam0/alive", payload: [1], qos: .atLeastOnce) != .notAuthorized,
                    "no service: nobody has kicked it yet")

            _ = try await fixtures.serve(configuration: setup.configuration.file)
            let started = ContinuousClock.now
            // The plugin reconnects with backoff (at most 2 s), reports, and the service kicks.
            #expect(await disconnected(live, within: .seconds(10)))
            let elapsed = started.duration(to: .now)
            #expect(elapsed < .seconds(3), "kicked \(elapsed) after serve was back")
            #expect(await (try stack.certificateClient("cam0", certificate: certificate)).connectCode() == .notAuthorized)
        }
    }
}
