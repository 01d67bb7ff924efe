import ArgumentParser
import CastellanAuth
import CastellanCA
import CastellanFleet
import CastellanStore
import Foundation

extension DeviceCommand {
    /// `castellan device provision ID --recipient-key FILE --out FILE`.
    ///
    /// Makes the credentials the device's policy needs — certificate and key, a random SCRAM
    /// password, a TOTP secret — stores the server side (certificate record, SCRAM keys, sealed
    /// TOTP secret) and writes the device side sealed to the device's X-Wing public key and
    /// signed with the CA key (so the CA is needed for every policy: the device checks the
    /// signature against the CA certificate it trusts). The bundle is written before the store
    /// changes, so a refused write leaves the store as it was.
    struct Provision: StoreSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a device's credentials, seal them to its X-Wing key (post-quantum hybrid HPKE) and sign them with the CA key.")
        static let label = "device provision"

        @OptionGroup var config: ConfigOption
        @Argument(help: "The device id (it must exist).") var id: String
        @Option(name: .customLong("recipient-key"), help: "The device's PREFIX.pub from `castellan client keygen`.")
        var recipientKey: String
        @Option(help: "Where to write the sealed bundle (never overwritten).") var out: String

        func execute(_ environment: CommandEnvironment) async throws {
            let device = try Arguments.device(id)
            let outPath = out.hasPrefix("/") ? out : environment.workingDirectory + "/" + out
            guard !FileManager.default.fileExists(atPath: outPath) else { throw CommandFailure.refused("\(out) exists already") }
            let recipient = try CAContext.refusing {
                try DeviceKeyPair.loadPublic(recipientKey.hasPrefix("/") ? recipientKey : environment.workingDirectory + "/" + recipientKey)
            }
            let (configuration, store) = try await config.openStore(environment)
            guard let record = try await store.device(device) else { throw StoreError.unknownDevice(device.rawValue) }
            let now = Date(timeIntervalSince1970: TimeInterval(environment.now()))
            let entropy = configuration.entropySource(system: environment.entropy)
            let ca = try CAContext.refusing { try CertificateAuthority.load(from: configuration.caDirectory) }
            var files: [String: [UInt8]] = [:]
            var certificate: IssuedCertificate?
            var credential: SCRAMCredential?
            var totp: TOTP?
            if record.policy.requiresCertificate {
                let profile = try CAContext.refusing { try CertificateProfiles.load(from: configuration.caDirectory).device }
                let issued = try CAContext.refusing {
                    try ca.issueDevice(device, keyType: profile.keyType, validityDays: profile.validityDays, now: now, entropy: entropy)
                }
                files["device.pem"] = Array(try issued.certificate.serializeAsPEM().pemString.utf8)
                files["device.key"] = Array(try issued.privateKey!.serializeAsPEM().pemString.utf8)
                files["ca.pem"] = Array(try ca.certificate.serializeAsPEM().pemString.utf8)
                certificate = issued
            }
            if record.policy.usesSCRAM || record.policy.usesPassword {
                // 24 random bytes as base64url: 192 bits, printable, no characters SCRAM must escape.
                let password = Data(try entropy.bytes(24)).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                credential = try SCRAMCredential.generate(password: password, entropy: entropy)
                files["password"] = Array(password.utf8)
            }
            if record.policy.requiresTOTP {
                let defaults = configuration.totp
                let made = try TOTP(secret: TOTPSecret.generate(using: entropy, algorithm: defaults.algorithm),
                                    algorithm: defaults.algorithm, digits: defaults.digits, period: defaults.period)
                files["totp.uri"] = Array(try OTPAuthURI(issuer: defaults.issuer, account: device.rawValue, totp: made).uri.utf8)
                files["totp.secret"] = Array(made.secret.base32.utf8)
                totp = made
            }
            let bundle = try CAContext.refusing { try SealedBundle.seal(files, for: device, to: recipient, signedBy: ca) }
            do {
                try SecretFile.create(outPath, bytes: bundle)
            } catch {
                throw CommandFailure.refused(error.description)
            }
            if let certificate, let record = Fleet.record(of: certificate, device: device) {
                try await store.addCertificate(record)
            }
            if let credential { try await store.setSCRAMCredential(credential, device: device) }
            if let totp { try await store.setTOTP(totp, device: device) }
            environment.output.out("sealed \(files.keys.sorted().joined(separator: ", ")) for \(device) into \(out)")
        }
    }
}
