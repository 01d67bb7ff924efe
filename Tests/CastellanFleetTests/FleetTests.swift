import CastellanAuth
import CastellanCA
import CastellanFleet
import CastellanStore
import Crypto
import SupervisionTesting
import Testing
import X509

/// The fleet operations on a real SQLite store and a real CA in a temporary folder: what the
/// CLI tests do not reach (refusals that must change nothing, the secrets a result hides).
@Suite struct FleetTests {
    /// A fresh `castellan init` folder, its store open, and (unless `ca` is false) a CA.
    struct Setup {
        let directory = TemporaryDirectory()
        let fleet: Fleet

        init(ca: Bool = true) async throws {
            let setup = try await CastellanSetup.create(in: directory.path)
            let configuration = try CastellanConfiguration.load(setup.configuration)
            if ca { _ = try CertificateAuthority.create(in: configuration.caDirectory, subject: try DistinguishedName(parsing: "CN=Fleet CA")) }
            let store = try await StoreOpener.open(configuration.store, masterKey: try MasterKey.load(from: configuration.masterKeyFile))
            fleet = Fleet(store: store, configuration: configuration, now: { 1_800_000_000 })
        }

        func add(_ id: String, policy: String = "cert") async throws -> DeviceID {
            try await fleet.addDevice(try Fleet.NewDevice(id: id, policy: policy, groups: [])).id
        }
    }

    @Test func newDevice_refusesAnUnknownPolicyAsUsage_andABadIdAsInvalid() throws {
        let policy = #expect(throws: FleetError.self) { try Fleet.NewDevice(id: "dev1", policy: "magic", groups: []) }
        #expect(policy?.kind == .usage)
        #expect(policy?.exitStatus == 2)
        let id = #expect(throws: FleetError.self) { try Fleet.NewDevice(id: "bad id/#", policy: "cert", groups: []) }
        #expect(id?.kind == .invalid)
        #expect(id?.exitStatus == 1)
        #expect(id?.message.hasPrefix("invalid device id") == true)
    }

    @Test func addingAnExistingId_isAConflict_andKeepsTheFirstDevice() async throws {
        let setup = try await Setup(ca: false)
        _ = try await setup.add("dev1", policy: "cert")
        let error = await #expect(throws: FleetError.self) { try await setup.add("dev1", policy: "scram") }
        #expect(error?.kind == .conflict)
        #expect(try await setup.fleet.devices().map(\.policy) == ["cert"])
    }

    @Test func aBoundClientID_isValidatedFirst_andATakenOneIsAConflictThatChangesNothing() async throws {
        let setup = try await Setup(ca: false)
        for bad in ["", "has space", "a+b", "a#", "a/b", String(repeating: "x", count: 129), "caf\u{E9}", "tab\t"] {
            let error = #expect(throws: FleetError.self) { try Fleet.NewDevice(id: "dev9", policy: "cert", groups: [], clientID: bad) }
            #expect(error?.kind == .invalid && error?.message.hasSuffix("(\(BoundClientID.rule))") == true, "\(bad.debugDescription): \(String(describing: error))")
        }
        let first = try await setup.fleet.addDevice(try Fleet.NewDevice(id: "dev1", policy: "cert", groups: [], clientID: "ctl-1"))
        #expect(first.clientID?.rawValue == "ctl-1")
        let second = try await setup.add("dev2")
        let taken = await #expect(throws: FleetError.self) { try await setup.fleet.setClientID(try BoundClientID("ctl-1"), device: second) }
        #expect(taken?.kind == .conflict && taken?.message.contains("belongs to device 'dev1'") == true, "\(String(describing: taken))")
        let named = await #expect(throws: FleetError.self) { try await setup.add("ctl-1") }
        #expect(named?.kind == .conflict)
        let unknown = await #expect(throws: FleetError.self) { try await setup.fleet.setClientID(nil, device: try DeviceID("nobody")) }
        #expect(unknown?.kind == .notFound)
        let imported = await #expect(throws: FleetError.self) {
            try await setup.fleet.importFleet(FleetImport(devices: [.init(id: try DeviceID("dev3"), legacy: nil, clientID: try BoundClientID("dev2"))],
                                                          rules: [], created: 1))
        }
        #expect(imported?.kind == .conflict && imported?.message.hasSuffix("; nothing imported") == true, "\(String(describing: imported))")
        #expect(try await setup.fleet.devices().map(\.clientID) == ["ctl-1", nil])
        #expect(try await setup.fleet.setClientID(nil, device: first.id).clientID == nil)
    }

    @Test func totpChoice_namesEachFieldAsItsCallerSpellsIt() {
        let cli = #expect(throws: FleetError.self) { try Fleet.TOTPChoice(algorithm: nil, digits: "7", period: nil) { "--\($0)" } }
        #expect(cli?.message == "--digits must be 6 or 8")
        let api = #expect(throws: FleetError.self) { try Fleet.TOTPChoice(algorithm: nil, digits: nil, period: "301") { "`\($0)`" } }
        #expect(api?.message == "`period` must be a whole number of seconds from 1 to 300")
    }

    @Test func aGeneratedKey_isHandedBack_butNeverDescribed() async throws {
        let setup = try await Setup()
        let device = try await setup.add("dev2")
        let issued = try await setup.fleet.issueCertificate(for: device, key: .generate, validityDays: 30)
        let key = try #require(issued.privateKey)
        #expect(key.contains("PRIVATE KEY"))
        #expect(!"\(issued)".contains(key))
        #expect(!"\(issued)".contains("PRIVATE"))
        var dumped = ""
        dump(issued, to: &dumped)
        #expect(!dumped.contains("PRIVATE"))
        #expect(try await setup.fleet.store.certificate(serial: issued.serial)?.device == device)
        // The CA backdates notBefore a little for clock skew; the validity asked for is the rest.
        #expect((30 * 86_400...30 * 86_400 + 3_600).contains(issued.notAfter - issued.notBefore))
    }

    @Test func aRefusalBeforeRecording_leavesTheStoreWithoutTheCertificate() async throws {
        let setup = try await Setup()
        let device = try await setup.add("dev3")
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await setup.fleet.issueCertificate(for: device, key: .generate, validityDays: nil) { _ in throw Refused() }
        }
        let validity = await #expect(throws: FleetError.self) {
            _ = try await setup.fleet.issueCertificate(for: device, key: .generate, validityDays: 0)
        }
        #expect(validity?.kind == .invalid)
        #expect(try await setup.fleet.store.certificates(device: device).isEmpty)
    }

    @Test func issuing_withoutACA_isUnavailable_andForAnUnknownDevice_isNotFound() async throws {
        let setup = try await Setup(ca: false)
        let device = try await setup.add("dev4")
        let noCA = await #expect(throws: FleetError.self) {
            _ = try await setup.fleet.issueCertificate(for: device, key: .generate, validityDays: nil)
        }
        #expect(noCA?.kind == .unavailable)
        let unknown = await #expect(throws: FleetError.self) {
            _ = try await setup.fleet.issueCertificate(for: try DeviceID("ghost"), key: .generate, validityDays: nil)
        }
        #expect(unknown?.kind == .notFound)
    }

    @Test func aCSRForAnotherDevice_isInvalid_andNothingIsRecorded() async throws {
        let setup = try await Setup()
        let device = try await setup.add("dev5")
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("someone-else") }, privateKey: .init(P256.Signing.PrivateKey()),
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
        let error = await #expect(throws: FleetError.self) {
            _ = try await setup.fleet.issueCertificate(
                for: device, key: .csr(pem: try csr.serializeAsPEM().pemString, name: "`csr`"), validityDays: nil)
        }
        #expect(error?.kind == .invalid)
        #expect(error?.message.hasPrefix("CSR refused") == true)
        #expect(try await setup.fleet.store.certificates(device: device).isEmpty)
    }

    @Test func revokingTwice_keepsTheFirstRevocation_andAnUnknownSerialIsNotFound() async throws {
        let setup = try await Setup()
        let device = try await setup.add("dev6")
        let issued = try await setup.fleet.issueCertificate(for: device, key: .generate, validityDays: nil)
        let first = try await setup.fleet.revoke(.serial(issued.serial.uppercased()), reason: "keyCompromise")
        #expect(first.map(\.revocationReason) == ["keyCompromise"])
        let second = try await setup.fleet.revoke(.serial(issued.serial), reason: "superseded")
        #expect(second.map(\.revocationReason) == ["keyCompromise"])
        let unknown = await #expect(throws: FleetError.self) { _ = try await setup.fleet.revoke(.serial("00ff"), reason: "unspecified") }
        #expect(unknown?.kind == .notFound)
        let none = await #expect(throws: FleetError.self) { _ = try await setup.fleet.revoke(.device(device), reason: "unspecified") }
        #expect(none?.kind == .conflict)
        #expect(throws: FleetError.self) { try Fleet.revocationReason("because", option: "`reason`") }
    }

    @Test func totpEnrolment_forAPolicyWithoutTOTP_isAConflict_andStoresNoSecret() async throws {
        let setup = try await Setup(ca: false)
        let device = try await setup.add("dev7", policy: "scram")
        let choice = try Fleet.TOTPChoice(algorithm: nil, digits: nil, period: nil) { $0 }
        let error = await #expect(throws: FleetError.self) { _ = try await setup.fleet.enrollTOTP(device, choice: choice) }
        #expect(error?.kind == .conflict)
        #expect(try await setup.fleet.store.totpEnrolment(device: device) == nil)
        let totpDevice = try await setup.add("dev8", policy: "scram+totp")
        let enrolment = try await setup.fleet.enrollTOTP(totpDevice, choice: try Fleet.TOTPChoice(algorithm: "SHA256", digits: "8", period: "60") { $0 })
        #expect(enrolment.algorithm == "SHA256" && enrolment.digits == 8 && enrolment.period == 60)
        #expect(!"\(enrolment)".contains(enrolment.secret))
        var dumped = ""
        dump(enrolment, to: &dumped)
        #expect(!dumped.contains(enrolment.secret))
        #expect(try await setup.fleet.store.totpEnrolment(device: totpDevice)?.totp.digits == 8)
    }
}
