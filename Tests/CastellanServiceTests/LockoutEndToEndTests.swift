import CastellanAuth
import CastellanClient
@testable import CastellanService
import Foundation
import Testing

/// Someone with nothing but device ids, against the real broker with the real plugin: failures
/// lock out the address they come from, never the device on its own address.
@Suite struct LockoutEndToEndTests {
    @Test func scramAndPasswordFailuresNamingACertificateOnlyDevice_neverStopItsCertificate() async throws {
        try await withStack { stack in
            let id = try await stack.service.addDevice("cam1", policy: .cert)
            let issued = try await stack.service.issueCertificate("cam1")
            // More than the hard limit (100); three addresses, so the per-address rate limit
            // lets every exchange reach the service.
            for attempt in 0..<120 {
                let guess = stack.client("cam1", authentication: .scram(.sha256, username: "cam1", password: "guess-\(attempt)"),
                                         localAddress: "127.0.0.\(2 + attempt % 3)")
                #expect(await guess.connectCode() != .success)
            }
            for attempt in 0..<30 {
                let guess = stack.client("cam1", username: "cam1", password: "guess-\(attempt)", localAddress: "127.0.0.\(2 + attempt % 3)")
                #expect(await guess.connectCode() == .notAuthorized)
            }
            // Every attempt reached the service (not the rate limiter): 150 refusals of cam1 in
            // the audit trail, and not one counted.
            await stack.service.server.context.audit.flush()
            await stack.service.server.context.failures.flush()
            let refusals = try await stack.service.store.recentAudit(limit: 1_000).filter { $0.identity == "cam1" && $0.result == "deny" }
            #expect(refusals.count == 150)
            #expect(try await stack.service.store.record(for: id) == LockoutRecord(), "a SCRAM failure never counts against a certificate-only device")
            let device = try stack.certificateClient("cam1", certificate: issued)
            #expect(await device.connectCode() == .success)
            await device.disconnect()
        }
    }

    @Test func failuresFromOneAddress_lockOutThatAddress_neverTheValidPasswordFromAnother() async throws {
        try await withStack { stack in
            // Locked at the third failure for ten minutes; the device's total hard limit at four.
            try stack.service.lockOutAtTheThirdFailure { $0.replacingOccurrences(of: "hard_lock_after: 100", with: "hard_lock_after: 4") }
            let id = try await stack.service.addDevice("pw1", policy: .password)
            try await stack.service.setPassword("right-password", for: "pw1")
            func attempt(_ password: String, from address: String) async -> MQTTReasonCode? {
                let client = stack.client("pw1", username: "pw1", password: password, localAddress: address)
                let code = await client.connectCode()
                if code == .success { await client.disconnect() }
                return code
            }
            for _ in 0..<6 { #expect(await attempt("wrong-password", from: "127.0.0.2") == .notAuthorized) }
            await stack.service.server.context.failures.flush()
            #expect(try await stack.service.store.record(for: id, from: "127.0.0.2").consecutiveFailures == 3,
                    "three checked and counted, the rest refused unchecked")
            #expect(await attempt("right-password", from: "127.0.0.2") == .notAuthorized, "the attacker's address is locked out")
            #expect(await attempt("right-password", from: "127.0.0.3") == .success, "the device's own address is not")

            // One more failure from a fresh address brings the device's total to its hard limit:
            // from then on an address that fails is locked at once, a clean one is still checked.
            #expect(await attempt("wrong-password", from: "127.0.0.4") == .notAuthorized)
            await stack.service.server.context.failures.flush()
            #expect(try await stack.service.store.record(for: id).consecutiveFailures == 4)
            #expect(await attempt("right-password", from: "127.0.0.4") == .notAuthorized)
            #expect(await attempt("right-password", from: "127.0.0.3") == .success)
            #expect(await attempt("right-password", from: "127.0.0.5") == .success)

            try await stack.service.store.unlock(id)
            #expect(await attempt("right-password", from: "127.0.0.2") == .success, "device unlock clears every address")
        }
    }
}
