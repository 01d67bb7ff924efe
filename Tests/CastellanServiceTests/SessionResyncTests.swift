import CastellanAuth
import CastellanBridge
import CastellanService
import CastellanStore
import Testing

/// The plugin's report of its live connections after a handshake, driven from a Swift plugin
/// peer against the real service: the directory is rebuilt from it and every session re-checked.
@Suite struct SessionResyncTests {
    private func tag(_ device: String, _ factors: SessionFactors = .secret, serial: String? = nil,
                     fingerprint: CertificateFingerprint? = nil) throws -> [UInt8] {
        try #require(SessionTag(device: try DeviceID(device), factors: factors, certificateSerial: serial,
                                certificateFingerprint: fingerprint).encoded())
    }

    @Test func sessionTag_roundTrips_andRefusesWhatItDidNotMake() throws {
        let fingerprint = try #require(CertificateFingerprint(hex: String(repeating: "ab", count: 32)))
        let tag = SessionTag(device: try DeviceID("cam-7"), factors: [.certificate, .totp], certificateSerial: "01ff",
                             certificateFingerprint: fingerprint, totpStamp: CredentialStamp(0xFEDC_BA98_7654_3210))
        let bytes = try #require(tag.encoded())
        #expect(bytes.count <= BridgeDecision.maxTagLength)
        #expect(SessionTag(decoding: bytes) == tag)
        let plain = SessionTag(device: try DeviceID("dev1"), factors: .secret, secretStamp: CredentialStamp(7))
        #expect(SessionTag(decoding: try #require(plain.encoded())) == plain)
        #expect(SessionTag(decoding: []) == nil)
        #expect(SessionTag(decoding: [2] + bytes.dropFirst()) == nil, "an unknown format")
        #expect(SessionTag(decoding: bytes + [0]) == nil, "trailing bytes")
        #expect(SessionTag(decoding: Array(bytes.dropLast())) == nil, "truncated")
        let hugeSerial = SessionTag(device: try DeviceID("dev1"), factors: .certificate, certificateSerial: String(repeating: "f", count: 480),
                                    certificateFingerprint: fingerprint)
        #expect(hugeSerial.encoded() == nil, "over 512 bytes")
    }

    @Test func resumedSessions_ofADisabledDevice_areKicked_andTheOthersGetCurrentRules() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.addDevice("dev2", policy: .password)
            try await service.store.setEnabled(false, device: try DeviceID("dev2"))
            let plugin = try await PluginPeer.connect(to: service.socket)
            try await plugin.notify(.sessions(SessionReport(last: true, connections: [
                LiveConnection(connection: 10, generation: 3, clientID: Array("dev1".utf8), tag: try tag("dev1")),
                LiveConnection(connection: 11, generation: 4, clientID: Array("dev2".utf8), tag: try tag("dev2")),
                LiveConnection(connection: 12, generation: 5, clientID: Array("dev3".utf8), tag: [0xFF, 1, 2]),
            ])))
            var kicks: Set<BridgeMessage> = []
            var rules: [UInt64: [UInt8]] = [:]
            for _ in 0..<3 {
                switch try await plugin.nextPush() {
                case .setRules(let connection, let generation, let bytes): rules[connection * 100 + generation] = bytes
                case let push: kicks.insert(push)
                }
            }
            #expect(kicks == [.kick(connection: 11, generation: 4), .kick(connection: 12, generation: 5)])
            #expect(try ClientACL.decode(try #require(rules[1003])).check(topic: "$castellan/x", access: .publish) == false)
            await service.server.context.brokerResynced.wait()

            // The directory knows the resumed session: a later change reaches it, by generation.
            try await service.store.setEnabled(false, device: try DeviceID("dev1"))
            #expect(try await plugin.nextPush() == .kick(connection: 10, generation: 3))
        }
    }

    @Test func resumedCertificateSession_whoseCertificateWasRevoked_isKicked() async throws {
        try await withService { service in
            try await service.addDevice("cam1", policy: .cert)
            let kept = try await service.issueCertificate("cam1")
            let revoked = try await service.issueCertificate("cam1")
            try await service.store.revokeCertificate(serial: revoked.serial, at: ServiceHarness.now, reason: "keyCompromise")
            let plugin = try await PluginPeer.connect(to: service.socket)
            try await plugin.notify(.sessions(SessionReport(last: true, connections: [
                LiveConnection(connection: 20, generation: 1, clientID: Array("cam1".utf8),
                               tag: try tag("cam1", .certificate, serial: revoked.serial, fingerprint: CertificateFingerprint(hex: revoked.fingerprint))),
                LiveConnection(connection: 21, generation: 2, clientID: Array("cam1".utf8),
                               tag: try tag("cam1", .certificate, serial: kept.serial, fingerprint: CertificateFingerprint(hex: kept.fingerprint))),
                // The kept certificate's serial with another certificate's fingerprint: not that certificate.
                LiveConnection(connection: 22, generation: 3, clientID: Array("cam1".utf8),
                               tag: try tag("cam1", .certificate, serial: kept.serial, fingerprint: CertificateFingerprint(hex: revoked.fingerprint))),
            ])))
            var pushes: [BridgeMessage] = []
            for _ in 0..<3 { pushes.append(try await plugin.nextPush()) }
            #expect(pushes.contains(.kick(connection: 20, generation: 1)))
            #expect(pushes.contains(.kick(connection: 22, generation: 3)))
            #expect(pushes.contains { if case .setRules(21, 2, _) = $0 { true } else { false } })
        }
    }

    @Test func revokingOneCertificate_kicksOnlyTheSessionThatPresentedIt() async throws {
        try await withService { service in
            try await service.addDevice("cam2", policy: .cert)
            let first = try await service.issueCertificate("cam2")
            let second = try await service.issueCertificate("cam2")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.certificate(1, generation: 1, client: "cam2", der: try first.der())).result == .allow)
            #expect(try await plugin.decide(.certificate(2, generation: 2, client: "cam2", der: try second.der())).result == .allow)
            try await service.store.revokeCertificate(serial: second.serial, at: ServiceHarness.now, reason: "keyCompromise")
            try await service.store.revokeCertificate(serial: first.serial, at: ServiceHarness.now, reason: "keyCompromise")
            // One kick per revocation, in order: the second certificate's session first.
            #expect(try await plugin.nextPush() == .kick(connection: 2, generation: 2))
            #expect(try await plugin.nextPush() == .kick(connection: 1, generation: 1))
        }
    }

    /// A password change reaches the sessions that proved the old password — and only those: a
    /// session opened with the new password before the notifier applied the change stays.
    @Test func aPasswordChange_kicksTheOldPasswordsSession_notTheNewOnes() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("old-old-old", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(1, generation: 1, client: "dev1", username: "dev1", password: "old-old-old")).result == .allow)
            let stamp = try #require(SessionTag(decoding: try await plugin.decide(
                .password(2, generation: 2, client: "dev1", username: "dev1", password: "old-old-old")).tag)?.secretStamp)
            try await plugin.notify(.disconnect(connection: 2, generation: 2))

            // The new password is set and used before the notifier gets to the change.
            try await service.setPassword("new-new-new", for: "dev1")
            let fresh = try await plugin.decide(.password(3, generation: 3, client: "dev1", username: "dev1", password: "new-new-new"))
            #expect(fresh.result == .allow)
            #expect(try #require(SessionTag(decoding: fresh.tag)?.secretStamp) != stamp)

            // The old password's session is kicked. Whether the new one's gets its rules pushed
            // again depends on whether the notifier's re-check saw it yet, so a later change that
            // reaches every live session of the device marks the end: pushes come in event
            // order, so a kick of connection 3 for the password would come before its rules.
            var pushes: [BridgeMessage] = []
            while !pushes.contains(.kick(connection: 1, generation: 1)) { pushes.append(try await plugin.nextPush()) }
            _ = try await service.store.addRule(try ACLRule(effect: "allow", access: "subscribe", pattern: "marker/#"),
                                                scope: .device(try DeviceID("dev1")))
            while true {
                let push = try await plugin.nextPush()
                pushes.append(push)
                if case .setRules(3, 3, let rules) = push, try ClientACL.decode(rules).check(topic: "marker/x", access: .subscribe) { break }
            }
            #expect(!pushes.contains(.kick(connection: 3, generation: 3)))
        }
    }

    @Test func decisions_echoTheRequestsGeneration_andCarryASessionTag() async throws {
        try await withService { service in
            try await service.addDevice("dev1", policy: .password)
            try await service.setPassword("pw-pw-pw", for: "dev1")
            let plugin = try await PluginPeer.connect(to: service.socket)
            guard case .decision(let allow) = try await plugin.request(.password(7, generation: 41, client: "dev1", username: "dev1", password: "pw-pw-pw")),
                  case .decision(let deny) = try await plugin.request(.password(8, generation: 42, client: "dev1", username: "dev1", password: "wrong-wrong"))
            else {
                Issue.record("expected decisions")
                return
            }
            #expect(allow.result == .allow && allow.generation == 41)
            let session = try #require(SessionTag(decoding: allow.tag))
            #expect(session.device == (try DeviceID("dev1")) && session.factors == .secret && session.certificateSerial == nil)
            #expect(deny.result == .deny && deny.generation == 42 && deny.tag.isEmpty)
        }
    }

    /// Handle reuse: client A on handle 5 goes, client B gets handle 5. A rule change or a
    /// kick for A must never reach B, and A's allow arriving after its DISCONNECT leaves no
    /// session behind (pushes come in event order, so a wrong one would come first).
    @Test func handleReuse_pushesForTheClientGone_neverReachTheNextOnItsHandle() async throws {
        try await withService { service in
            try await service.addDevice("devA", policy: .password)
            try await service.setPassword("pw-a-pw-a", for: "devA")
            try await service.addDevice("devB", policy: .password)
            try await service.setPassword("pw-b-pw-b", for: "devB")
            let plugin = try await PluginPeer.connect(to: service.socket)
            #expect(try await plugin.decide(.password(5, generation: 1, client: "devA", username: "devA", password: "pw-a-pw-a")).result == .allow)
            try await plugin.notify(.disconnect(connection: 5, generation: 1))
            // A's second connection on the same handle closes while its allow is being decided.
            let late = try await plugin.decide(.password(5, generation: 2, client: "devA", username: "devA", password: "pw-a-pw-a"),
                                               thenNotify: .disconnect(connection: 5, generation: 2))
            #expect(late.generation == 2)  // as sent: the plugin, whose handle 5 is at another generation by then, discards it
            #expect(try await plugin.decide(.password(5, generation: 3, client: "devB", username: "devB", password: "pw-b-pw-b")).result == .allow)

            _ = try await service.store.addRule(try ACLRule(effect: "allow", access: "subscribe", pattern: "a/#"), scope: .device(try DeviceID("devA")))
            try await service.store.setEnabled(false, device: try DeviceID("devA"))
            _ = try await service.store.addRule(try ACLRule(effect: "allow", access: "subscribe", pattern: "b/#"), scope: .device(try DeviceID("devB")))
            guard case .setRules(5, 3, let bytes) = try await plugin.nextPush() else {
                Issue.record("the first push is not B's rules")
                return
            }
            #expect(try ClientACL.decode(bytes).check(topic: "b/x", access: .subscribe))
            #expect(try !ClientACL.decode(bytes).check(topic: "a/x", access: .subscribe))
        }
    }
}
