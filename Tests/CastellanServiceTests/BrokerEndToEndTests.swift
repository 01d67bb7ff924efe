import CastellanAuth
import CastellanClient
import CastellanStore
import Foundation
import Testing

/// Real mosquitto + the real plugin + the service: what a device sees.
@Suite struct BrokerEndToEndTests {
    @Test func certificateDevice_connects_andStaysInsideItsTopics() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("cam1", policy: .cert)
            let client = try stack.certificateClient("cam1", certificate: try await stack.service.issueCertificate("cam1"))
            #expect(await client.connectCode() == .success)
            #expect(try await client.subscribe(to: "devices/cam1/#", qos: .atLeastOnce) == .grantedQoS1)
            #expect(try await client.subscribe(to: "devices/cam2/#", qos: .atLeastOnce) == .notAuthorized)
            #expect(try await client.subscribe(to: "$share/g/devices/cam2/#", qos: .atLeastOnce) == .notAuthorized)
            #expect(try await client.publish(topic: "devices/cam1/temp", payload: [1], qos: .atLeastOnce) != .notAuthorized)
            #expect(try await client.publish(topic: "devices/cam2/temp", payload: [1], qos: .atLeastOnce) == .notAuthorized)
            await client.disconnect()
        }
    }

    @Test func revokedCertificate_isRefused_andRevokingALiveOneDisconnectsIt() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("cam1", policy: .cert)
            let issued = try await stack.service.issueCertificate("cam1")
            let live = try stack.certificateClient("cam1", certificate: issued)
            #expect(await live.connectCode() == .success)
            try await stack.service.store.revokeCertificate(serial: issued.serial, at: ServiceHarness.now, reason: "keyCompromise")
            await live.waitUntilDisconnected()
            let again = try stack.certificateClient("cam1", certificate: issued)
            #expect(await again.connectCode() == .notAuthorized)
        }
    }

    @Test func disablingAConnectedDevice_disconnectsIt() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("pw1", policy: .password)
            try await stack.service.setPassword("pw-pw-pw-pw", for: "pw1")
            let client = stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw")
            #expect(await client.connectCode() == .success)
            try await stack.service.store.setEnabled(false, device: try DeviceID("pw1"))
            await client.waitUntilDisconnected()
            #expect(await stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw").connectCode() == .notAuthorized)
        }
    }

    @Test func passwords_overMQTT5And311_andRefusalsAlike() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("pw1", policy: .password)
            try await stack.service.setPassword("pw-pw-pw-pw", for: "pw1")
            let v5 = stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw")
            #expect(await v5.connectCode() == .success)
            await v5.disconnect()
            let v311 = stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw", version: .v3_1_1)
            #expect(await v311.connectCode() == .success)
            await v311.disconnect()
            #expect(await stack.client("pw1", username: "pw1", password: "wrong-wrong").connectCode() == .notAuthorized)
            #expect(await stack.client("ghost", username: "ghost", password: "pw-pw-pw-pw").connectCode() == .notAuthorized)
            #expect(await stack.client("other", username: "pw1", password: "pw-pw-pw-pw").connectCode() == .notAuthorized)
        }
    }

    @Test func passwordDevice_overTheTLSPasswordListener_butNotWithoutACertificateOverMTLS() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("pw1", policy: .password)
            try await stack.service.setPassword("pw-pw-pw-pw", for: "pw1")
            let overTLS = stack.tlsClient("pw1", username: "pw1", password: "pw-pw-pw-pw")
            #expect(await overTLS.connectCode() == .success)
            #expect(try await overTLS.publish(topic: "devices/pw1/t", payload: [1], qos: .atLeastOnce) != .notAuthorized)
            await overTLS.disconnect()
            #expect(await stack.tlsClient("pw1", username: "pw1", password: "wrong-wrong").connectCode() == .notAuthorized)
            // The mTLS listener ends the handshake of a client without a certificate: no CONNACK.
            let noCertificate = stack.tlsClient("pw1", username: "pw1", password: "pw-pw-pw-pw", port: stack.tlsPort)
            #expect(await noCertificate.connectCode() == nil)
        }
    }

    @Test func totp_freshCodeOnce_neitherAgainNorOld() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("otp1", policy: .totp)
            let totp = try await stack.service.enrolTOTP("otp1")
            let code = try totp.code(at: ServiceHarness.now)
            let first = stack.client("otp1", username: "otp1", password: code)
            #expect(await first.connectCode() == .success)
            await first.disconnect()
            #expect(await stack.client("otp1", username: "otp1", password: code).connectCode() == .notAuthorized)
            let old = try totp.code(at: ServiceHarness.now - 2 * Int64(totp.period))
            #expect(await stack.client("otp1", username: "otp1", password: old).connectCode() == .notAuthorized)
        }
    }

    @Test(arguments: [SCRAMMechanism.sha256, .sha512])
    func scram_enhancedAuth_connectsAndReauthenticates(_ mechanism: SCRAMMechanism) async throws {
        try await withStack { stack in
            try await stack.service.addDevice("s1", policy: .scram)
            try await stack.service.setPassword("sesame-sesame", for: "s1", mechanism: mechanism)
            let client = stack.client("s1", authentication: .scram(mechanism, username: "s1", password: "sesame-sesame"))
            #expect(await client.connectCode() == .success)
            try await client.reauthenticate()
            #expect(try await client.publish(topic: "devices/s1/x", payload: [1], qos: .atLeastOnce) != .notAuthorized)
            await client.disconnect()
            let wrong = stack.client("s1", authentication: .scram(mechanism, username: "s1", password: "not-sesame"))
            #expect(await wrong.connectCode() != .success)
        }
    }
}
