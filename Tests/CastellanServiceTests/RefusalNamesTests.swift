import CastellanAuth
import CastellanBridge
import CastellanService
import CastellanStore
import Foundation
import Testing

/// One refusal, one name in the audit trail, whichever method the device used: an operator
/// searching for `TOTP code missing` finds it for passwords, certificates and SCRAM alike.
@Suite struct RefusalNamesTests {
    @Test func aWrongPassword_isNamedAlike_byThePasswordAndTheSCRAMPath() async throws {
        try await withService { service in
            try await service.addDevice("pw1", policy: .password)
            try await service.setPassword("right-right", for: "pw1")
            try await service.addDevice("sc1", policy: .scram)
            try await service.setPassword("right-right", for: "sc1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, client: "pw1", username: "pw1", password: "wrong-wrong")) == .deny)
            #expect(try await Self.scram(plugin, connection: 2, device: "sc1", password: "wrong-wrong") == .deny)
            let reasons = try await Self.refusals(service)
            #expect(reasons == ["bad_credentials: password did not verify", "bad_credentials: password did not verify"])
        }
    }

    @Test func aMissingTOTPCode_isNamedAlike_byThePasswordTheCertificateAndTheSCRAMPath() async throws {
        try await withService { service in
            try await service.addDevice("pt1", policy: .passwordTOTP)
            try await service.setPassword("right-right", for: "pt1")
            _ = try await service.enrolTOTP("pt1")
            try await service.addDevice("ct1", policy: .certTOTP)
            _ = try await service.enrolTOTP("ct1")
            let der = try await service.issueCertificate("ct1").der()
            try await service.addDevice("st1", policy: .scramTOTP)
            try await service.setPassword("right-right", for: "st1")
            _ = try await service.enrolTOTP("st1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, client: "pt1", username: "pt1", password: "right-right")) == .deny)
            #expect(try await plugin.decide(.certificate(2, client: "ct1", der: der)) == .deny)
            #expect(try await Self.scram(plugin, connection: 3, device: "st1", password: "right-right") == .deny)
            let reasons = try await Self.refusals(service)
            #expect(reasons == Array(repeating: "bad_credentials: TOTP code missing", count: 3))
        }
    }

    @Test func aUsernameThatIsNoDeviceID_isNamedAlike_byThePasswordAndTheSCRAMPath() async throws {
        try await withService { service in
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, client: "no such id", username: "no such id", password: "whatever")) == .deny)
            #expect(try await Self.scram(plugin, connection: 2, device: "no such id", password: "whatever") == .deny)
            let reasons = try await Self.refusals(service)
            #expect(reasons == ["bad_credentials: no username, or not a device id", "bad_credentials: no username, or not a device id"])
        }
    }

    @Test func aRevokedCertificate_isNamedByItsSerial_asCertListShowsIt() async throws {
        try await withService { service in
            try await service.addDevice("cert1", policy: .cert)
            let issued = try await service.issueCertificate("cert1")
            try await service.store.revokeCertificate(serial: issued.serial, at: ServiceHarness.now, reason: "keyCompromise")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.certificate(1, client: "cert1", der: try issued.der())) == .deny)
            let reason = try #require(try await Self.refusals(service).first)
            #expect(reason.hasPrefix("certificate_revoked: certificate serial \(issued.serial) ("), "\(reason)")
        }
    }

    /// A whole SCRAM exchange; the result of its last step.
    private static func scram(_ plugin: PluginPeer, connection: UInt64, device: String, password: String) async throws -> BridgeDecision.Result {
        var client = try SCRAMClient(mechanism: .sha256, username: device, password: password, entropy: SystemEntropy())
        let first = try await plugin.decide(.scram(connection, step: .start, client: device, data: try client.start()))
        guard first.result == .continue else { return first.result }
        return try await plugin.decide(.scram(connection, step: .continue, client: device, data: try client.receiveServerFirst(first.data))).result
    }

    /// The reasons of the refusals in the audit trail, oldest first.
    private static func refusals(_ service: ServiceHarness) async throws -> [String] {
        await service.server.context.audit.flush()
        return try await service.store.recentAudit(limit: 50).filter { $0.result == "deny" }.compactMap(\.reason)
    }
}
