import CastellanAuth
import CastellanCA
import CastellanClient
import CastellanStore
import Foundation
import X509

/// The working folder of `castellan stack`: config, CA, broker certificate and four demo
/// devices, one per method, made once and reused.
struct DemoFleet {
    struct Device {
        let name: String
        let method: String
    }

    let folder: String
    let configuration: CastellanConfiguration
    var configurationFile: String { folder + "/castellan.yaml" }
    var caFile: String { configuration.caDirectory + "/ca.pem" }
    var brokerPrefix: String { folder + "/broker" }
    var devicesFolder: String { folder + "/devices" }

    static let devices = [
        Device(name: "demo-cert", method: "cert"), Device(name: "demo-scram", method: "scram"),
        Device(name: "demo-totp", method: "totp"), Device(name: "demo-password", method: "password"),
    ]

    static func prepare(in folder: String) async throws -> DemoFleet {
        let file = folder + "/castellan.yaml"
        if !FileManager.default.fileExists(atPath: file) {
            // Every demo and chaos client connects from loopback: not rate-limited.
            _ = try await CastellanSetup.create(in: folder, trustedProxies: ["127.0.0.1", "::1"])
        }
        let configuration = try CastellanConfiguration.load(file)
        let fleet = DemoFleet(folder: folder, configuration: configuration)
        if !FileManager.default.fileExists(atPath: fleet.caFile) {
            _ = try CertificateAuthority.create(in: configuration.caDirectory, subject: try DistinguishedName(parsing: "CN=Castellan Demo Device CA"))
        }
        if !FileManager.default.fileExists(atPath: fleet.brokerPrefix + ".pem") {
            let ca = try CertificateAuthority.load(from: configuration.caDirectory)
            try ca.issueServer(dns: ["localhost"], ips: ["127.0.0.1"]).write(prefix: fleet.brokerPrefix)
        }
        try FileManager.default.createDirectory(atPath: fleet.devicesFolder, withIntermediateDirectories: true)
        return fleet
    }

    /// Adds each device (the demo devices by default) that is not in the store yet, with its
    /// credential; passwords go to 0600 files in `devices/` so a person can try them with
    /// `castellan client`. `castellan chaos run` enrols its fleet the same way.
    func enrolMissingDevices(_ devices: [Device] = Self.devices, into store: any CredentialStore) async throws {
        let now = Int64(Date().timeIntervalSince1970)
        for device in devices {
            let id = try DeviceID(device.name)
            guard try await store.device(id) == nil else { continue }
            try await store.addDevice(DeviceRecord(id: id, policy: try AuthFactors(parsing: device.method), created: now))
            switch device.method {
            case "cert":
                let ca = try CertificateAuthority.load(from: configuration.caDirectory)
                let issued = try ca.issueDevice(id)
                try await store.addCertificate(CertificateRecord(
                    serial: issued.serial, device: id, fingerprint: CertificateFingerprint(hex: issued.fingerprint)!,
                    notBefore: Int64(issued.certificate.notValidBefore.timeIntervalSince1970),
                    notAfter: Int64(issued.certificate.notValidAfter.timeIntervalSince1970)))
                try issued.write(prefix: devicesFolder + "/" + device.name)
            case "totp":
                try await store.setTOTP(try TOTP(secret: try TOTPSecret.generate()), device: id)
            default:
                let password = Base32.encode(try SystemEntropy().bytes(20))
                try await store.setSCRAMCredential(try SCRAMCredential.generate(password: password, entropy: SystemEntropy()), device: id)
                try SecretFile.create(devicesFolder + "/" + device.name + ".password", bytes: Array(password.utf8))
            }
        }
    }

    /// One configured client per demo device.
    func clients(port: Int, tlsPort: Int, store: any CredentialStore) async throws -> [(Device, MQTTClient)] {
        var result: [(Device, MQTTClient)] = []
        for device in Self.devices {
            var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: port)
            configuration.clientID = device.name
            switch device.method {
            case "cert":
                configuration.port = tlsPort
                let prefix = devicesFolder + "/" + device.name
                configuration.tls = MQTTTLSConfiguration(caFile: caFile, certificateFile: prefix + ".pem",
                                                         privateKeyFile: prefix + ".key", serverHostname: "localhost")
            case "totp":
                guard let enrolment = try await store.totpEnrolment(device: try DeviceID(device.name)) else { continue }
                configuration.username = device.name
                configuration.password = try enrolment.totp.code(at: Int64(Date().timeIntervalSince1970))
            case "scram":
                configuration.authentication = .scram(.sha256, username: device.name, password: try password(of: device))
            default:
                configuration.username = device.name
                configuration.password = try password(of: device)
            }
            result.append((device, MQTTClient(configuration: configuration)))
        }
        return result
    }

    /// The password `enrolMissingDevices` wrote for a password or SCRAM device.
    func password(of device: Device) throws -> String {
        try String(contentsOfFile: devicesFolder + "/" + device.name + ".password", encoding: .utf8)
    }
}
