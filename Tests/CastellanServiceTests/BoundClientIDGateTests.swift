import CastellanAuth
import CastellanBridge
import CastellanService
import CastellanStore
import Foundation
import Testing

/// A device bound to one client id (`device client-id`, an imported dynamic-security `clientid`)
/// connects with exactly that one — whatever `client_id_binding` says — and a change of the
/// binding closes the live sessions it no longer admits.
@Suite struct BoundClientIDGateTests {
    @Test func aBoundClientID_isTheOnlyOneAdmitted_evenWithClientIDBindingAny() async throws {
        try await withService { service in
            try service.reconfigure { $0.replacingOccurrences(of: "client_id_binding: equal", with: "client_id_binding: any") }
            try await service.addDevice("u1", policy: .password)
            try await service.setPassword("pw-pw-pw-pw", for: "u1")
            try await service.store.setClientID(try BoundClientID("ctl-7"), device: try DeviceID("u1"))
            try await service.addDevice("free", policy: .password)
            try await service.setPassword("pw-pw-pw-pw", for: "free")
            let plugin = try await PluginPeer.connect(to: service.socket)

            #expect(try await plugin.decide(.password(1, client: "ctl-7", username: "u1", password: "pw-pw-pw-pw")).result == .allow)
            #expect(try await plugin.decide(.password(2, client: "ctl-8", username: "u1", password: "pw-pw-pw-pw")) == .deny)
            #expect(try await plugin.decide(.password(3, client: "u1", username: "u1", password: "pw-pw-pw-pw")) == .deny,
                    "not even the device id: the bound client id replaces the binding")
            // `any` still holds for a device without one (which, under `any`, may use any client id).
            #expect(try await plugin.decide(.password(5, client: "whatever", username: "free", password: "pw-pw-pw-pw")).result == .allow)

            await service.server.context.audit.flush()
            let reasons = try await service.store.recentAudit(limit: 20).filter { $0.result == "deny" }.compactMap(\.reason)
            #expect(reasons == Array(repeating: "client_id_mismatch: client id does not match the client id bound to the device", count: 2),
                    "\(reasons)")
        }
    }

    @Test func aBoundCertificateDevice_connectsWithItsClientID_andAUsernameMustStillBeItsID() async throws {
        try await withService { service in
            let id = try await service.addDevice("cam1", policy: .cert)
            try await service.store.setClientID(try BoundClientID("CAM-0042"), device: id)
            let der = try await service.issueCertificate("cam1").der()
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.certificate(1, client: "CAM-0042", der: der)).result == .allow)
            #expect(try await plugin.decide(.certificate(2, client: "cam1", der: der)) == .deny)
            let posing = BridgeMessage.basicAuth(BasicAuthRequest(
                connection: 3, generation: 1, protocolLevel: .v5, address: "127.0.0.1", clientID: Array("CAM-0042".utf8),
                username: Array("someone".utf8), password: nil, certificate: der))
            #expect(try await plugin.decide(posing) == .deny)
            await service.server.context.audit.flush()
            let reasons = try await service.store.recentAudit(limit: 20).filter { $0.result == "deny" }.compactMap(\.reason)
            #expect(reasons.count == 2 && reasons[0].hasPrefix("client_id_mismatch:") && reasons[1].hasPrefix("username_mismatch:"), "\(reasons)")
        }
    }

    @Test func changingTheBinding_kicksTheSessionsItNoLongerAdmits() async throws {
        try await withService { service in
            let id = try await service.addDevice("u2", policy: .password)
            try await service.setPassword("pw-pw-pw-pw", for: "u2")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, client: "u2", username: "u2", password: "pw-pw-pw-pw")).result == .allow)

            try await service.store.setClientID(try BoundClientID("u2-ctl"), device: id)
            #expect(try await plugin.nextPushBesidesRules() == .kick(connection: 1, generation: 1))
            #expect(try await plugin.decide(.password(2, client: "u2-ctl", username: "u2", password: "pw-pw-pw-pw")).result == .allow)

            // Cleared: `equal` applies again — the device id's session fits, the bound one does not.
            try await service.store.setClientID(nil, device: id)
            var pushes: [BridgeMessage] = []
            for _ in 0..<2 { pushes.append(try await plugin.nextPush()) }
            #expect(pushes.contains(.kick(connection: 2, generation: 1)), "\(pushes)")
            #expect(pushes.contains { if case .setRules(1, 1, _) = $0 { true } else { false } }, "\(pushes)")
        }
    }

    @Test func aResumedSession_withAnotherClientIDThanTheBoundOne_isKicked() async throws {
        try await withService { service in
            let id = try await service.addDevice("d1", policy: .password)
            try await service.store.setClientID(try BoundClientID("d1-ctl"), device: id)
            let tag = try #require(SessionTag(device: id, factors: .secret).encoded())
            let plugin = try await PluginPeer.connect(to: service.socket)
            try await plugin.notify(.sessions(SessionReport(last: true, connections: [
                LiveConnection(connection: 30, generation: 1, clientID: Array("d1".utf8), tag: tag),
                LiveConnection(connection: 31, generation: 2, clientID: Array("d1-ctl".utf8), tag: tag),
            ])))
            var pushes: [BridgeMessage] = []
            for _ in 0..<2 { pushes.append(try await plugin.nextPush()) }
            #expect(pushes.contains(.kick(connection: 30, generation: 1)), "\(pushes)")
            #expect(pushes.contains { if case .setRules(31, 2, _) = $0 { true } else { false } }, "\(pushes)")
        }
    }
}
