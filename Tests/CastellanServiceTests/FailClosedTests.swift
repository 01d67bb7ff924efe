import CastellanAuth
@testable import CastellanBridge
import CastellanCA
import CastellanClient
import Foundation
import ServerTesting
import SupervisionTesting
import Testing

/// The service dies, hangs or is attacked; the broker keeps serving and nothing is granted.
@Suite struct FailClosedTests {
    /// Connects until the broker admits the client: each attempt is a real CONNACK, bounded in number.
    func eventuallyAdmitted(_ makeClient: () throws -> MQTTClient) async throws -> Bool {
        for _ in 0..<100 {
            let client = try makeClient()
            if await client.connectCode() == .success {
                await client.disconnect()
                return true
            }
        }
        return false
    }

    /// The plugin of a fresh broker connects to the service from its first TICK; until then it
    /// denies. Each try is a real CONNACK; the number of tries is bounded.
    func connectEventually(_ client: MQTTClient) async -> Bool {
        for _ in 0..<100 {
            if await client.connectCode() == .success { return true }
        }
        return false
    }

    /// What both tests start from: `castellan serve` as a child process, a broker with the
    /// plugin in front of it, certificate devices `cam0` (connected: `live`) and `cam1` (its
    /// certificate returned, not connected).
    private func twoCertificateDevices(
        _ fixtures: Fixtures, timeoutMilliseconds: Int
    ) async throws -> (ServiceHarness, ServeProcess, Stack, MQTTClient, IssuedCertificate) {
        let setup = try await fixtures.service()
        try await setup.addDevice("cam0", policy: .cert)
        let liveCertificate = try await setup.issueCertificate("cam0")
        try await setup.addDevice("cam1", policy: .cert)
        let certificate = try await setup.issueCertificate("cam1")
        try await setup.stop()
        let serve = try await fixtures.serve(configuration: setup.configuration.file)
        let stack = try await fixtures.stack(service: setup, timeoutMilliseconds: timeoutMilliseconds)
        let live = try stack.certificateClient("cam0", certificate: liveCertificate)
        #expect(await connectEventually(live))
        return (setup, serve, stack, live, certificate)
    }

    @Test func serviceKilled_refusesNewConnects_keepsLiveClients_andRecoversWithoutABrokerRestart() async throws {
        try await withFixtures { fixtures in
            let (setup, serve, stack, live, certificate) = try await twoCertificateDevices(fixtures, timeoutMilliseconds: 500)

            serve.kill()
            #expect(await (try stack.certificateClient("cam1", certificate: certificate)).connectCode() == .notAuthorized)
            #expect(try await live.publish(topic: "devices/cam0/alive", payload: [1], qos: .atLeastOnce) != .notAuthorized)

            _ = try await fixtures.serve(configuration: setup.configuration.file)
            #expect(try await eventuallyAdmitted { try stack.certificateClient("cam1", certificate: certificate) })
        }
    }

    @Test func serviceStopped_keepsTheBrokerResponsive_andRecoversOnContinue() async throws {
        try await withFixtures { fixtures in
            let (_, serve, stack, live, certificate) = try await twoCertificateDevices(fixtures, timeoutMilliseconds: 1000)

            serve.signal(SIGSTOP)
            for _ in 0..<4 {
                #expect(await (try stack.certificateClient("cam1", certificate: certificate)).connectCode() == .notAuthorized)
            }
            // Failing fast now: while connects keep arriving, the broker answers an unrelated client
            // at once, not after a deadline. Best of five round trips, so a busy test machine's
            // scheduling noise is not mistaken for a stalled broker; half the deadline as the bound,
            // since a broker still waiting would take the whole deadline per connect.
            var best = Duration.seconds(60)
            for _ in 0..<5 {
                let attempt = Task { await (try? stack.certificateClient("cam1", certificate: certificate))?.connectCode() }
                let started = ContinuousClock.now
                #expect(try await live.publish(topic: "devices/cam0/alive", payload: [1], qos: .atLeastOnce) != .notAuthorized)
                best = min(best, started.duration(to: .now))
                #expect(await attempt.value == .notAuthorized)
            }
            #expect(best < .milliseconds(500))

            serve.signal(SIGCONT)
            #expect(try await eventuallyAdmitted { try stack.certificateClient("cam1", certificate: certificate) })
        }
    }

    @Test func malformedFramesToTheServiceSocket_closeThatConnectionOnly() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("otp1", policy: .totp)
            let totp = try await stack.service.enrolTOTP("otp1")
            for garbage: [UInt8] in [[0xFF, 0xFF, 0xFF, 0xFF, 1], [0, 0, 0, 5, 0x7E, 0, 0, 0, 1], [0, 0, 0, 5, 0x02, 0, 0, 0, 1]] {
                #expect(try await RawSocket.sendAndAwaitClose(garbage, to: stack.service.socket))
            }
            let client = stack.client("otp1", username: "otp1", password: try totp.code(at: ServiceHarness.now))
            #expect(await client.connectCode() == .success)
            await client.disconnect()
        }
    }
}

/// A Unix-socket peer that writes bytes and reads until the other side closes.
enum RawSocket {
    /// Whether the service closed the connection within 10 s of `bytes`. The blocking socket
    /// calls run on a thread of their own, not on the cooperative pool the service needs.
    static func sendAndAwaitClose(_ bytes: [UInt8], to path: String) async throws -> Bool {
        try await onThreadOfItsOwn { try blockingSendAndAwaitClose(bytes, to: path) }
    }

    private static func blockingSendAndAwaitClose(_ bytes: [UInt8], to path: String) throws -> Bool {
        guard let fd = BridgeSocket.connected(to: path) else { throw BrokerError(description: "connect() failed") }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count == 0 { return true }    // closed by the service
            if count < 0 { return false }    // timed out: still open
        }
    }
}
