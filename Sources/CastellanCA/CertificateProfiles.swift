import Foundation
import Yams

/// `profiles.yaml` in the CA folder: the defaults for device and server certificates.
///
/// Only what an operator may choose is here — the key type generated for a certificate and
/// its validity. The extensions are Castellan's rules (a device certificate is clientAuth,
/// digitalSignature, never a CA, identity in one URI SAN) and cannot be loosened by a profile.
/// A missing file means the built-in defaults; unknown keys and bad values are refused.
public struct CertificateProfiles: Sendable, Hashable {
    /// One profile: the generated key's type and the validity in days.
    public struct Profile: Sendable, Hashable {
        public var keyType: CertificateAuthority.KeyType
        public var validityDays: Int
    }

    public var device = Profile(keyType: .ecdsaP256, validityDays: 365)
    public var server = Profile(keyType: .ecdsaP256, validityDays: 825)

    public static let fileName = "profiles.yaml"

    public init() {}

    /// The file written by `castellan ca init`, documenting every key.
    public static let defaultText = """
        # Certificate profiles for `castellan cert issue` (device) and `castellan cert server` (server).
        # key: ecdsa-p256 | ecdsa-p384 (the key Castellan generates; a CSR brings its own)
        # validity_days: 1..3650 (--validity-days overrides it per certificate)
        # Extensions are not configurable: device certificates are always clientAuth,
        # digitalSignature, not a CA, with the identity in one URI SAN urn:castellan:device:ID.
        device:
          key: ecdsa-p256
          validity_days: 365
        server:
          key: ecdsa-p256
          validity_days: 825

        """

    /// Reads `profiles.yaml` from `folder`, or the defaults when it does not exist.
    public static func load(from folder: String) throws(CAError) -> CertificateProfiles {
        let path = folder + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return CertificateProfiles() }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw .io("cannot read \(path)") }
        return try parse(text, file: path)
    }

    static func parse(_ text: String, file: String) throws(CAError) -> CertificateProfiles {
        let root: [String: Any]
        do {
            guard let loaded = try Yams.load(yaml: text) as? [String: Any] else { throw CAError.invalid("\(file): expected a mapping") }
            root = loaded
        } catch let error as CAError {
            throw error
        } catch {
            throw .invalid("\(file): not valid YAML: \(error)")
        }
        var profiles = CertificateProfiles()
        for key in root.keys where key != "device" && key != "server" {
            throw .invalid("\(file): unknown key '\(key)' (known: device, server)")
        }
        if let device = root["device"] { profiles.device = try profile(device, name: "device", default: profiles.device, file: file) }
        if let server = root["server"] { profiles.server = try profile(server, name: "server", default: profiles.server, file: file) }
        return profiles
    }

    private static func profile(_ value: Any, name: String, default profile: Profile, file: String) throws(CAError) -> Profile {
        guard let map = value as? [String: Any] else { throw .invalid("\(file): \(name) must be a mapping") }
        var result = profile
        for (key, value) in map {
            switch key {
            case "key":
                guard let text = value as? String, let type = CertificateAuthority.KeyType(rawValue: text) else {
                    throw .invalid("\(file): \(name).key must be ecdsa-p256 or ecdsa-p384")
                }
                result.keyType = type
            case "validity_days":
                guard let days = value as? Int, (1...3650).contains(days) else {
                    throw .invalid("\(file): \(name).validity_days must be a whole number from 1 to 3650")
                }
                result.validityDays = days
            default:
                throw .invalid("\(file): unknown key '\(name).\(key)' (known: key, validity_days)")
            }
        }
        return result
    }
}
