import CastellanAuth
import CastellanStore

/// Device and certificate management — add, list, show, disable and enable devices, issue and
/// revoke certificates, enrol TOTP — with one implementation behind `castellan device|cert|totp`
/// and the admin API's `/v1/devices` routes.
///
/// Callers parse their input with the static checks (``deviceID(_:)``, ``NewDevice``,
/// ``TOTPChoice``…) before they open anything, so bad input is refused first and changes
/// nothing; the instance methods then act on the store and the CA. Refusals are
/// ``FleetError``s; store and CA infrastructure failures are thrown as they are.
public struct Fleet: Sendable {
    /// Where devices, credentials and certificate records live.
    public let store: any CredentialStore
    /// The CA folder (`ca.pem`, `ca.key`, `profiles.yaml`); read on every issue, so a CA created
    /// after the service started is used without a restart.
    public let caDirectory: String
    /// TOTP parameters used where a request does not choose.
    public let totpDefaults: TOTPDefaults
    /// Where secrets, keys and serial numbers come from.
    public let entropy: any EntropySource
    /// Unix seconds now.
    public let now: @Sendable () -> Int64
    /// The master key file the store was opened with (for ``rotateMasterKey()``); `nil` if unknown.
    public let masterKeyFile: String?

    public init(store: any CredentialStore, caDirectory: String, totpDefaults: TOTPDefaults,
                entropy: any EntropySource, masterKeyFile: String? = nil, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.masterKeyFile = masterKeyFile
        self.caDirectory = caDirectory
        self.totpDefaults = totpDefaults
        self.entropy = entropy
        self.now = now
    }

    /// The fleet of a configuration: its CA folder, TOTP defaults and entropy (with
    /// `entropy.extra` mixed in), over an already opened store.
    public init(store: any CredentialStore, configuration: CastellanConfiguration,
                systemEntropy: any EntropySource = SystemEntropy(), now: @escaping @Sendable () -> Int64) {
        self.init(store: store, caDirectory: configuration.caDirectory, totpDefaults: configuration.totp,
                  entropy: configuration.entropySource(system: systemEntropy), masterKeyFile: configuration.masterKeyFile, now: now)
    }

    /// A device id obeying the identity rules; refused (``FleetError/Kind/invalid``) otherwise.
    public static func deviceID(_ text: String) throws(FleetError) -> DeviceID {
        do { return try DeviceID(text) } catch { throw .invalid("invalid device id: \(error)") }
    }

    /// A group name obeying the identity rules; refused (``FleetError/Kind/invalid``) otherwise.
    public static func group(_ text: String) throws(FleetError) -> DeviceGroup {
        do { return try DeviceGroup(text) } catch { throw .invalid(error.description) }
    }

    /// The device's record; ``FleetError/Kind/notFound`` with the store's message if there is none.
    func requireDevice(_ device: DeviceID) async throws -> DeviceRecord {
        guard let record = try await store.device(device) else { throw FleetError.notFound(StoreError.unknownDevice(device.rawValue).description) }
        return record
    }
}
