import CastellanAuth
import CastellanCA
import CastellanChaos
import CastellanStore
import Foundation
import X509

/// The working folder of a chaos run: `castellan stack`'s (config, CA, broker certificate),
/// the scenario's supervision tree, a foreign CA, and the fleet, enrolled before the service starts.
struct ChaosWorkspace {
    let fleet: DemoFleet
    let devices: [ChaosDevice]

    /// Prepares `folder` for `scenario`; `tree` is the spec file the service should run (nil: built-in).
    static func prepare(in folder: String, scenario: ChaosScenario, tree: String?) async throws -> ChaosWorkspace {
        let fleet = try await DemoFleet.prepare(in: folder)
        if let tree {
            let target = fleet.configuration.supervisionSpec
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: tree, toPath: target)
        }
        // Invalid certificates: same device names, signed by a CA the broker does not trust.
        let foreignFolder = folder + "/foreign-ca"
        if !FileManager.default.fileExists(atPath: foreignFolder + "/" + CertificateAuthority.certificateFile) {
            try FileManager.default.createDirectory(atPath: foreignFolder, withIntermediateDirectories: true)
            _ = try CertificateAuthority.create(in: foreignFolder, subject: try DistinguishedName(parsing: "CN=Castellan Chaos Foreign CA"))
        }
        let foreign = try CertificateAuthority.load(from: foreignFolder)

        var plan: [(DemoFleet.Device, ChaosScenario.Method, ChaosFacts.Credential)] = []
        for method in ChaosScenario.Method.allCases {
            for index in 0..<scenario.load.valid[method, default: 0] {
                plan.append((DemoFleet.Device(name: "chaos-\(method.rawValue)-\(index + 1)", method: method.policyName), method, .valid))
            }
            for index in 0..<scenario.load.invalid[method, default: 0] {
                plan.append((DemoFleet.Device(name: "chaos-\(method.rawValue)-bad-\(index + 1)", method: method.policyName), method, .invalid))
            }
        }
        let key = try MasterKey.load(from: fleet.configuration.masterKeyFile)
        let store = try await StoreOpener.open(fleet.configuration.store, masterKey: key)
        var devices: [ChaosDevice] = []
        do {
            try await fleet.enrolMissingDevices(plan.map(\.0), into: store)
            for (device, method, credential) in plan {
                let secret: ChaosDevice.Secret
                switch method {
                case .password, .scram:
                    secret = .password(try fleet.password(of: device))
                case .totp:
                    guard let enrolment = try await store.totpEnrolment(device: try DeviceID(device.name)) else {
                        throw StackError("\(device.name) has no TOTP enrolment")
                    }
                    secret = .totp(enrolment.totp)
                case .certificate:
                    let prefix = fleet.devicesFolder + "/" + device.name
                    if credential == .invalid {
                        if !FileManager.default.fileExists(atPath: prefix + ".foreign.pem") {
                            try foreign.issueDevice(try DeviceID(device.name)).write(prefix: prefix + ".foreign")
                        }
                        secret = .certificate(prefix: prefix + ".foreign")
                    } else {
                        secret = .certificate(prefix: prefix)
                    }
                }
                devices.append(ChaosDevice(name: device.name, method: method, credential: credential, secret: secret))
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        return ChaosWorkspace(fleet: fleet, devices: devices)
    }
}
