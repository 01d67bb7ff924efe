import ArgumentParser
import CastellanAuth
import CastellanCA
import CastellanStore
import Foundation

/// `castellan client keygen --out PREFIX`: the device's X-Wing key pair for sealed bundles.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Make this device's key pair for sealed credential bundles (PREFIX.key 0600, PREFIX.pub).")

    @Option(help: "Writes PREFIX.key and PREFIX.pub; never overwrites.") var out: String

    func run() throws {
        do {
            try DeviceKeyPair.generate(prefix: out)
        } catch {
            FileHandle.standardError.write(Data("castellan client keygen: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print("wrote \(out).key (keep it on the device) and \(out).pub (give it to the operator)")
    }
}

/// `castellan client unseal --key FILE --ca FILE BUNDLE --out DIR`: opens a bundle into files (0600)
/// if the CA the device trusts signed it.
struct UnsealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unseal", abstract: "Open a sealed credential bundle with this device's key into DIR (files 0600).")

    @Option(help: "The device's PREFIX.key.") var key: String
    @Option(help: "The CA certificate (ca.pem) this device trusts, given by the operator out of band; only bundles signed by that CA open.")
    var ca: String
    @Argument(help: "The bundle from `castellan device provision`.") var bundle: String
    @Option(help: "The folder to write the files into (created if missing; files are never overwritten).") var out: String

    func run() throws {
        do {
            let privateKey = try DeviceKeyPair.loadPrivate(key)
            let trusted = try CertificateAuthority.trustedCertificate(from: ca)
            guard let data = FileManager.default.contents(atPath: bundle) else { throw CAError.io("cannot read \(bundle)") }
            let (device, files) = try SealedBundle.open(Array(data), with: privateKey, trusting: trusted)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (name, _) in files where FileManager.default.fileExists(atPath: out + "/" + name) { throw CAError.exists(out + "/" + name) }
            for (name, contents) in files.sorted(by: { $0.key < $1.key }) {
                try SecretFile.create(out + "/" + name, bytes: contents)
            }
            print("wrote \(files.keys.sorted().joined(separator: ", ")) for \(device) into \(out)")
        } catch {
            FileHandle.standardError.write(Data("castellan client unseal: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
