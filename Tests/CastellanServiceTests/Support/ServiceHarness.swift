import CastellanAuth
import CastellanCA
import CastellanService
import CastellanStore
import Foundation
import Logging
import Supervision
import SwiftASN1
import SupervisionTesting
import Synchronization
import X509

/// A real `castellan serve` in-process: a fresh setup folder (config, master key, SQLite, CA),
/// the service tree running, the bridge socket listening. Tests get one from
/// ``withService(_:)`` or ``Fixtures/service(spec:store:sharing:)``, which stop it however the test ends.
final class ServiceHarness: Sendable {
    let directory = TemporaryDirectory()
    let configuration: CastellanConfiguration
    let server: CastellanServer
    let ca: CertificateAuthority
    let recorder: EventRecorder
    private let running: Task<Void, any Error>
    private let stopped = Atomic(false)

    var store: any CredentialStore { server.context.store }
    var socket: String { configuration.bridgeSocket }

    /// Starts the service; `yaml` replaces the default tree when given.
    ///
    /// - Parameters:
    ///   - store: a store URL other than the folder's own SQLite (a shared PostgreSQL database).
    ///   - sharing: another harness whose master key and CA this one uses, so both open the same
    ///     sealed secrets and trust the same certificates (several service instances on one store).
    ///   - configure: edits the `castellan.yaml` that `castellan init` wrote, before the service reads it.
    init(spec yaml: String? = nil, store: String? = nil, sharing other: ServiceHarness? = nil,
         configure: ((String) -> String)? = nil) async throws {
        let setup = try await CastellanSetup.create(
            in: directory.path, store: store ?? CastellanSetup.defaultStore,
            masterKey: try other.map { try MasterKey.load(from: $0.configuration.masterKeyFile) })
        if let configure {
            let text = try String(contentsOfFile: setup.configuration, encoding: .utf8)
            try configure(text).write(toFile: setup.configuration, atomically: true, encoding: .utf8)
        }
        let loaded = try CastellanConfiguration.load(setup.configuration)
        if let other {
            // One fleet, one CA: a device's certificate is good on every instance.
            try FileManager.default.createDirectory(atPath: loaded.caDirectory, withIntermediateDirectories: true)
            for file in ["ca.pem", "ca.key"] {
                try FileManager.default.copyItem(atPath: other.configuration.caDirectory + "/" + file, toPath: loaded.caDirectory + "/" + file)
            }
            ca = try CertificateAuthority.load(from: loaded.caDirectory)
        } else {
            ca = try CertificateAuthority.create(in: loaded.caDirectory, subject: try DistinguishedName(parsing: "CN=Test Device CA"))
        }
        if let yaml { try yaml.write(toFile: loaded.supervisionSpec, atomically: true, encoding: .utf8) }
        configuration = loaded
        (server, recorder, running) = try await Self.start(loaded)
        await server.context.bridge.wait()
    }

    /// A service on `other`'s folder, store and socket — `castellan serve` started again on it,
    /// as after a crash (stop or kill the other one first).
    init(restarting other: ServiceHarness) async throws {
        configuration = other.configuration
        ca = other.ca
        (server, recorder, running) = try await Self.start(other.configuration)
        await server.context.bridge.wait()
    }

    private static func start(_ configuration: CastellanConfiguration) async throws -> (CastellanServer, EventRecorder, Task<Void, any Error>) {
        var logger = Logger(label: "castellan-test")
        logger.logLevel = .warning
        let environment = SupervisionEnvironment()
        let recorder = EventRecorder(environment.events)
        let server = try await CastellanServer(configuration: configuration, logger: logger, environment: environment)
        return (server, recorder, Task { try await server.run() })
    }

    /// Stops the service and waits until it is down. Idempotent: a test may stop it early (to
    /// run `castellan serve` on the same folder), and its fixtures stop it again at the end.
    func stop() async throws {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        await server.stop()
        try await running.value
    }

    /// Rewrites castellan.yaml with `edit` and reloads it, as an operator would (SIGHUP).
    /// A lockout that takes three failures from one address and lasts ten minutes (a test's
    /// lifetime): `also` edits the configuration further.
    func lockOutAtTheThirdFailure(also edit: (String) -> String = { $0 }) throws {
        try reconfigure {
            edit($0.replacingOccurrences(of: "threshold: 5", with: "threshold: 3")
                .replacingOccurrences(of: "base_delay: 1\n", with: "base_delay: 600\n"))
        }
    }

    func reconfigure(_ edit: (String) -> String) throws {
        let text = try String(contentsOfFile: configuration.file, encoding: .utf8)
        let edited = edit(text)
        guard edited != text else { throw PeerError("the edit changed nothing: the castellan.yaml template it expects has moved") }
        try edited.write(toFile: configuration.file, atomically: true, encoding: .utf8)
        _ = try server.reload()
    }

    // MARK: Devices

    @discardableResult
    func addDevice(_ name: String, policy: AuthFactors, groups: [String] = []) async throws -> DeviceID {
        let id = try DeviceID(name)
        try await store.addDevice(DeviceRecord(id: id, policy: policy, groups: try groups.map { try DeviceGroup($0) },
                                               created: Int64(Date().timeIntervalSince1970)))
        return id
    }

    func setPassword(_ password: String, for name: String, mechanism: SCRAMMechanism = .sha256) async throws {
        let credential = try SCRAMCredential.generate(password: password, mechanism: mechanism, entropy: SystemEntropy())
        try await store.setSCRAMCredential(credential, device: try DeviceID(name))
    }

    func enrolTOTP(_ name: String) async throws -> TOTP {
        let totp = try TOTP(secret: try TOTPSecret.generate())
        try await store.setTOTP(totp, device: try DeviceID(name))
        return totp
    }

    /// Issues a device certificate and records it in the store, as `castellan cert issue` does.
    func issueCertificate(_ name: String, validityDays: Int = 30, now: Date = Date()) async throws -> IssuedCertificate {
        let id = try DeviceID(name)
        let issued = try ca.issueDevice(id, validityDays: validityDays, now: now)
        try await store.addCertificate(CertificateRecord(
            serial: issued.serial, device: id, fingerprint: CertificateFingerprint(hex: issued.fingerprint)!,
            notBefore: Int64(issued.certificate.notValidBefore.timeIntervalSince1970),
            notAfter: Int64(issued.certificate.notValidAfter.timeIntervalSince1970)))
        return issued
    }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}

extension IssuedCertificate {
    /// The certificate's DER, as the plugin forwards it.
    func der() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
