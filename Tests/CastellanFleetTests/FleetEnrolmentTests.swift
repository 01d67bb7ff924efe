import CastellanAuth
import CastellanCA
import CastellanFleet
import CastellanStore
import Crypto
import Foundation
import Synchronization
import SupervisionTesting
import Testing
import X509

/// One-time enrolment tokens and EST enrolment/renewal decisions, on a real store and CA.
@Suite struct FleetEnrolmentTests {
    typealias Setup = FleetTests.Setup

    private func csr(_ subject: String, key: Certificate.PrivateKey = .init(P256.Signing.PrivateKey())) throws -> CertificateSigningRequest {
        try CertificateSigningRequest(version: .v1, subject: try DistinguishedName { CommonName(subject) }, privateKey: key, attributes: .init())
    }

    @Test func tokenLifetimes_parseWithUnits_andRefuseTheRest() throws {
        #expect(try Fleet.tokenLifetime("24h", option: "--ttl") == 86_400)
        #expect(try Fleet.tokenLifetime("90s", option: "--ttl") == 90)
        #expect(try Fleet.tokenLifetime("30d", option: "--ttl") == 30 * 86_400)
        for bad in ["", "h", "59s", "31d", "24", "-1h", "1.5h", "99999999999999999999d", "24 h"] {
            let error = #expect(throws: FleetError.self) { try Fleet.tokenLifetime(bad, option: "--ttl") }
            #expect(error?.kind == .usage, "\(bad)")
        }
    }

    @Test func aToken_enrolsOnce_andIsNeverDescribed() async throws {
        let setup = try await Setup()
        let device = try await setup.add("cam1")
        let token = try await setup.fleet.createEnrolmentToken(for: device, lifetime: 3_600)
        #expect(token.token.count == 43)
        #expect(!token.description.contains(token.token) && !String(describing: Mirror(reflecting: token).children.map(\.value)).contains(token.token))
        let stored = try #require(try await setup.fleet.store.enrolmentToken(device: device))
        #expect(!stored.digest.isEmpty && stored.digest != Array(token.token.utf8), "only a digest is stored")

        // A CSR for another identity is refused and leaves the token usable.
        let other = await #expect(throws: FleetError.self) {
            try await setup.fleet.enrol(device, token: token.token, csr: try csr("cam2"), validityDays: nil)
        }
        #expect(other?.kind == .invalid)
        let issue = try await setup.fleet.enrol(device, token: token.token, csr: try csr("cam1"), validityDays: 30)
        #expect(issue.notAfter - issue.notBefore == 30 * 86_400 + 300)
        let reuse = await #expect(throws: FleetError.self) {
            try await setup.fleet.enrol(device, token: token.token, csr: try csr("cam1"), validityDays: nil)
        }
        #expect(reuse?.kind == .unauthorized)
        #expect(try await setup.fleet.store.certificates(device: device).count == 1)
    }

    @Test func aToken_neverStartsWithADash_soEveryCommandLineTakesIt() async throws {
        let setup = try await Setup()
        let device = try await setup.add("cam1")
        // 0xF8 encodes as `-` in base64url: the first draw would make a token a parser reads as an option.
        let entropy = ScriptedEntropy([[UInt8](repeating: 0xF8, count: 32)])
        let fleet = Fleet(store: setup.fleet.store, caDirectory: setup.fleet.caDirectory, totpDefaults: .standard,
                          entropy: entropy, now: { 1_800_000_000 })
        let token = try await fleet.createEnrolmentToken(for: device, lifetime: 3_600)
        #expect(!token.token.hasPrefix("-"))
        #expect(token.token.count == 43)
        #expect(entropy.draws == 3, "the dashed token, its salt never drawn, then a new token and its salt")
        _ = try await fleet.enrol(device, token: token.token, csr: try csr("cam1"), validityDays: nil)
    }

    @Test func wrongExpiredOrForeignTokens_andUnknownDevices_areAllUnauthorized() async throws {
        let setup = try await Setup()
        let cam1 = try await setup.add("cam1")
        let cam2 = try await setup.add("cam2")
        let token = try await setup.fleet.createEnrolmentToken(for: cam1, lifetime: 60)
        let later = Fleet(store: setup.fleet.store, caDirectory: setup.fleet.caDirectory, totpDefaults: .standard,
                          entropy: SystemEntropy(), now: { 1_800_000_000 + 60 })
        let attempts: [(Fleet, DeviceID, String)] = [
            (setup.fleet, cam1, token.token + "x"), (setup.fleet, cam2, token.token),
            (setup.fleet, try DeviceID("ghost"), token.token), (later, cam1, token.token),
        ]
        for (fleet, device, text) in attempts {
            let error = await #expect(throws: FleetError.self) {
                try await fleet.enrol(device, token: text, csr: try csr(device.rawValue), validityDays: nil)
            }
            #expect(error?.kind == .unauthorized, "\(device)")
        }
        #expect(try await setup.fleet.store.certificates(device: cam1).isEmpty)
        #expect(try await setup.fleet.store.certificates(device: cam2).isEmpty)
    }

    @Test func renewal_needsANewKey_andAnEnabledDevice() async throws {
        let setup = try await Setup()
        let device = try await setup.add("cam1")
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let current = try await setup.fleet.issueCertificate(for: device, key: .csr(pem: try csr("cam1", key: key).serializeAsPEM().pemString, name: "csr"),
                                                             validityDays: 30).issued.certificate
        let same = await #expect(throws: FleetError.self) {
            try await setup.fleet.reenrol(device, current: current, csr: try csr("cam1", key: key), allowSameKey: false, validityDays: nil)
        }
        #expect(same?.kind == .invalid)
        _ = try await setup.fleet.reenrol(device, current: current, csr: try csr("cam1", key: key), allowSameKey: true, validityDays: nil)
        _ = try await setup.fleet.reenrol(device, current: current, csr: try csr("cam1"), allowSameKey: false, validityDays: nil)
        _ = try await setup.fleet.setEnabled(false, device: device)
        let disabled = await #expect(throws: FleetError.self) {
            try await setup.fleet.reenrol(device, current: current, csr: try csr("cam1"), allowSameKey: false, validityDays: nil)
        }
        #expect(disabled?.kind == .conflict)
        #expect(try await setup.fleet.store.certificates(device: device).count == 3)
    }
}

/// Entropy that answers the scripted draws first, then the system's; counts the draws.
private final class ScriptedEntropy: EntropySource {
    private let state: Mutex<(script: [[UInt8]], draws: Int)>

    init(_ script: [[UInt8]]) { state = Mutex((script, 0)) }

    var draws: Int { state.withLock { $0.draws } }

    func bytes(_ count: Int) throws -> [UInt8] {
        let scripted: [UInt8]? = state.withLock { state in
            state.draws += 1
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        return try scripted ?? SystemEntropy().bytes(count)
    }
}
