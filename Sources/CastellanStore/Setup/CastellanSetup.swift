import CastellanAuth
import Foundation

/// What `castellan init` creates: a folder holding a complete, working setup.
///
/// `castellan.yaml` (every path in it relative), a 32-byte master key and an admin token
/// (both created 0600), and the migrated database: a new SQLite file, or the schema in an
/// existing (empty or older-schema) PostgreSQL database. An existing setup is never
/// overwritten: if any of those files exists, or the store URL is unusable, nothing is
/// written. If a step fails midway, what was already created is removed again (PostgreSQL
/// migrations that committed stay: they are what any later open would apply).
public enum CastellanSetup {
    /// The master key file name written by init.
    public static let masterKeyFileName = "master.key"
    /// The admin token file name written by init.
    public static let tokenFileName = "admin.token"
    /// The store written when none is given: relative to the configuration's folder.
    public static let defaultStore = "sqlite:castellan.db"

    /// What init created, absolute paths.
    public struct Result: Sendable, Hashable {
        /// The configuration file.
        public let configuration: String
        /// The master key file.
        public let masterKey: String
        /// The admin token file.
        public let adminToken: String
        /// The store, as written in the configuration.
        public let store: String
    }

    /// Creates the setup in `directory` (created if missing, with parents).
    ///
    /// - Parameters:
    ///   - store: the store URL to write; a relative `sqlite:PATH` is relative to `directory`, as
    ///     every path in the file is. A `postgres://` database must exist and be reachable: init
    ///     migrates it.
    ///   - trustedProxies: `rate_limit.trusted_proxies` to write (addresses that are not
    ///     rate-limited); the demo and chaos fleets, which connect from loopback, name loopback.
    ///   - masterKey: the master key of the store, when `store` already holds one (a second
    ///     setup for a shared store): it is written to this setup and must be the store's. Without
    ///     it an existing store is refused — a new key would open none of its sealed secrets.
    public static func create(
        in directory: String, store: String = defaultStore, trustedProxies: [String] = [],
        tlsPasswordPort: Int = CastellanConfiguration.defaultTLSPasswordPort,
        entropy: any EntropySource = SystemEntropy(), masterKey existingKey: MasterKey? = nil
    ) async throws(SetupError) -> Result {
        guard (0...65_535).contains(tlsPasswordPort) else {
            throw SetupError("invalid TLS password port \(tlsPasswordPort): a port from 1 to 65535, or 0 for none")
        }
        guard !store.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw SetupError("invalid store URL: contains a control character")
        }
        let storeURL: StoreURL
        do { storeURL = try StoreURL(parsing: store, relativeTo: directory) } catch { throw SetupError(error.description) }
        let databasePath: String?
        if case .sqlite(let path) = storeURL { databasePath = path } else { databasePath = nil }

        let configPath = PathResolution.resolve(ConfigurationLocator.defaultFileName, relativeTo: directory)
        let keyPath = PathResolution.resolve(masterKeyFileName, relativeTo: directory)
        let tokenPath = PathResolution.resolve(tokenFileName, relativeTo: directory)
        let files = FileManager.default
        for path in [configPath, keyPath, tokenPath] where files.fileExists(atPath: path) {
            throw SetupError("\(path) already exists; refusing to overwrite an existing setup", existingSetup: true)
        }
        let storeExists: Bool
        do { storeExists = try await StoreOpener.exists(storeURL) } catch { throw SetupError("cannot reach the store: \(error)") }
        if storeExists && existingKey == nil {
            throw SetupError(
                "\(databasePath ?? store) already holds a Castellan store; to set up another service for it, give its master key: --master-key FILE",
                existingSetup: true)
        }

        var created: [String] = []
        var isDirectory: ObjCBool = false
        if !files.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do { try files.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw SetupError("cannot create \(directory): \(error.localizedDescription)")
            }
            created.append(directory)
        } else if !isDirectory.boolValue {
            throw SetupError("\(directory) exists and is not a folder")
        }

        do {
            let key = try existingKey ?? MasterKey.generate(using: entropy)
            try key.create(at: keyPath)
            created.append(keyPath)
            let token = try entropy.bytes(32)
            guard token.count == 32 else { throw SetupError("entropy source returned a short read") }
            try SecretFile.create(tokenPath, bytes: Array(token.map { String(format: "%02x", $0) }.joined().utf8))
            created.append(tokenPath)
            if let databasePath, !storeExists {
                created += [databasePath, databasePath + "-wal", databasePath + "-shm"]
            }
            let opened = try await StoreOpener.open(storeURL, masterKey: key, create: true)
            await opened.close()
            try SecretFile.create(configPath, bytes: Array(template(store: store, trustedProxies: trustedProxies, tlsPasswordPort: tlsPasswordPort).utf8))
            created.append(configPath)
        } catch {
            for path in created.reversed() { try? files.removeItem(atPath: path) }
            if let error = error as? SetupError { throw error }
            throw SetupError("init failed: \(error)")
        }
        return Result(configuration: configPath, masterKey: keyPath, adminToken: tokenPath, store: store)
    }

    /// The configuration init writes: every key, every path relative.
    static func template(store: String, trustedProxies: [String] = [], tlsPasswordPort: Int = CastellanConfiguration.defaultTLSPasswordPort) -> String {
        let quoted = "\"" + store.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        let lockout = LockoutPolicy.default
        let rate = RateLimitPolicy.default
        return """
            # Castellan configuration, written by `castellan init`.
            # Relative paths are relative to this file's folder. Every key: docs/configuration.md.
            store: \(quoted)
            master_key_file: \(masterKeyFileName)
            bridge:
              socket: castellan.sock
              # decision_threads: 4   # threads that decide; default: one per core
              # decision_slice_us: 100   # their scheduler slice; 0: the kernel's default
            ca:
              dir: certs
            # supervision:
            #   spec: supervision.yaml   # a tree of your own; without it, the built-in tree
            admin:
              listen: unix:admin.sock
              token_file: \(tokenFileName)
            totp:
              algorithm: SHA1
              digits: 6
              period: 30
              issuer: Castellan
            lockout:
              threshold: \(lockout.threshold)
              base_delay: \(lockout.baseDelay)
              max_delay: \(lockout.maxDelay)
              hard_lock_after: \(lockout.hardLockAfter)
            rate_limit:
              connects_per_second: \(Int(rate.connectsPerSecond))
              burst: \(rate.burst)
              trusted_proxies: [\((rate.trustedProxies + trustedProxies).map { "\"\($0)\"" }.joined(separator: ", "))]
              max_tracked_addresses: \(rate.maxTrackedAddresses)
            client_id_binding: equal
            broker:
              tls_password_port: \(tlsPasswordPort)
            # est:                       # enrolment over EST (docs/provisioning.md); off without listen
            #   listen: 0.0.0.0:8443
            #   certificate: broker.pem  # the broker's certificate and key
            #   key: broker.key
            #   validity_days: 30

            """
    }
}
