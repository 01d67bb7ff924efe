import CastellanAuth
import Foundation
import Yams

/// Reads `castellan.yaml` through Yams' node API, so every refusal names file, line and key.
///
/// Refused: a missing or unreadable file, YAML syntax errors, a document that is not a mapping,
/// unknown keys (typos are errors, not silently ignored), duplicate keys, missing required keys,
/// and values of the wrong kind or out of range.
public enum ConfigurationLoader {
    /// Larger files are refused before parsing.
    public static let maxFileSize = 1 << 20

    static let topKeys = [
        "store", "master_key_file", "bridge", "ca", "supervision", "admin", "totp", "lockout", "rate_limit",
        "client_id_binding", "entropy", "broker", "est",
    ]

    /// Reads and validates the file at `path` (made absolute by the caller or taken as given).
    public static func load(_ path: String) throws(ConfigurationError) -> CastellanConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ConfigurationError(file: path, line: 0, column: 0, key: "", message: reason)
        }
        guard data.count <= maxFileSize else {
            throw ConfigurationError(file: path, line: 0, column: 0, key: "", message: "the file is larger than \(maxFileSize) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, line: 0, column: 0, key: "", message: "the file is not valid UTF-8")
        }
        return try parse(text, file: path)
    }

    /// Validates `yaml` as the configuration found at `file` (whose folder anchors relative paths).
    public static func parse(_ yaml: String, file: String) throws(ConfigurationError) -> CastellanConfiguration {
        let reader = ConfigurationReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw reader.syntaxError(error)
        }
        guard let root else { throw reader.error(at: nil, key: "", "the file is empty") }
        let top = try reader.mapping(root, path: "", allowed: topKeys)
        let base = (file as NSString).deletingLastPathComponent

        let storeNode = try top.required("store", reader)
        let storeText = try reader.string(storeNode, key: "store")
        let store: StoreURL
        do { store = try StoreURL(parsing: storeText, relativeTo: base) } catch {
            throw reader.error(at: storeNode, key: "store", error.description)
        }
        func path(_ node: Node?, key: String, default value: String) throws(ConfigurationError) -> String {
            guard let node else { return PathResolution.resolve(value, relativeTo: base) }
            let text = try reader.string(node, key: key)
            guard !text.utf8.contains(0) else { throw reader.error(at: node, key: key, "path contains NUL") }
            return PathResolution.resolve(text, relativeTo: base)
        }
        let masterKeyFile = try path(try top.required("master_key_file", reader), key: "master_key_file", default: "")

        let bridge = try reader.optionalMapping(top["bridge"], path: "bridge", allowed: ["socket", "decision_threads", "decision_slice_us"])
        let ca = try reader.optionalMapping(top["ca"], path: "ca", allowed: ["dir"])
        let supervision = try reader.optionalMapping(top["supervision"], path: "supervision", allowed: ["spec"])
        let admin = try reader.optionalMapping(top["admin"], path: "admin", allowed: ["listen", "token_file"])
        let entropy = try reader.optionalMapping(top["entropy"], path: "entropy", allowed: ["extra"])
        let broker = try reader.optionalMapping(top["broker"], path: "broker", allowed: ["tls_password_port"])
        var entropyExtra: String?
        if let node = entropy?["extra"] { entropyExtra = try path(node, key: "entropy.extra", default: "") }

        var adminListen = AdminListen.unix(path: PathResolution.resolve("admin.sock", relativeTo: base))
        if let node = admin?["listen"] {
            let text = try reader.string(node, key: "admin.listen")
            guard let parsed = AdminListen(parsing: text, relativeTo: base) else {
                throw reader.error(at: node, key: "admin.listen", "expected unix:PATH or http://127.0.0.1:PORT, found '\(text)'")
            }
            adminListen = parsed
        }

        let decisionThreads = try bridge?["decision_threads"].map { (n) throws(ConfigurationError) in
            try reader.integer(n, key: "bridge.decision_threads", in: 1...CastellanConfiguration.maxDecisionThreads,
                               hint: "1 to \(CastellanConfiguration.maxDecisionThreads)")
        }

        let decisionSlice = try bridge?["decision_slice_us"].map { (n) throws(ConfigurationError) -> Duration in
            let allowed = CastellanConfiguration.decisionSliceMicroseconds
            let hint = "0 for the kernel's default, or \(allowed.lowerBound) to \(allowed.upperBound)"
            let microseconds = try reader.integer(n, key: "bridge.decision_slice_us", in: 0...allowed.upperBound, hint: hint)
            guard microseconds == 0 || allowed.contains(microseconds) else {
                throw reader.error(at: n, key: "bridge.decision_slice_us", "\(microseconds) is out of range (\(hint))")
            }
            return .microseconds(microseconds)
        }

        var clientIDBinding = ClientIDBinding.default
        if let node = top["client_id_binding"] {
            let text = try reader.string(node, key: "client_id_binding")
            do { clientIDBinding = try ClientIDBinding(parsing: text) } catch {
                throw reader.error(at: node, key: "client_id_binding", "expected equal, prefix or any, found '\(text)'")
            }
        }

        var configuration = CastellanConfiguration(
            file: file,
            directory: base,
            storeText: storeText,
            store: store,
            masterKeyFile: masterKeyFile,
            bridgeSocket: try path(bridge?["socket"], key: "bridge.socket", default: "castellan.sock"),
            caDirectory: try path(ca?["dir"], key: "ca.dir", default: "certs"),
            supervisionSpec: try path(supervision?["spec"], key: "supervision.spec", default: "supervision.yaml"),
            adminListen: adminListen,
            adminTokenFile: try path(admin?["token_file"], key: "admin.token_file", default: "admin.token"),
            totp: try totpDefaults(top["totp"], reader),
            lockout: try lockoutPolicy(top["lockout"], reader),
            rateLimit: try rateLimitPolicy(top["rate_limit"], reader),
            clientIDBinding: clientIDBinding,
            entropyExtra: entropyExtra)
        configuration.supervisionSpecConfigured = supervision?["spec"] != nil
        if let node = broker?["tls_password_port"] {
            configuration.tlsPasswordPort = try reader.integer(node, key: "broker.tls_password_port", in: 0...65_535, hint: "0 to 65535")
        }
        configuration.est = try estSettings(top["est"], reader, path: path)
        configuration.decisionThreads = decisionThreads
        configuration.decisionSlice = decisionSlice
        return configuration
    }

    private static func estSettings(
        _ node: Node?, _ reader: ConfigurationReader,
        path: (Node?, String, String) throws(ConfigurationError) -> String
    ) throws(ConfigurationError) -> ESTSettings? {
        let allowed = ["listen", "certificate", "key", "validity_days", "allow_same_key"]
        guard let map = try reader.optionalMapping(node, path: "est", allowed: allowed) else { return nil }
        guard let listenNode = map["listen"] else { return nil }
        let text = try reader.string(listenNode, key: "est.listen")
        guard let listen = ESTSettings.listen(parsing: text) else {
            throw reader.error(at: listenNode, key: "est.listen", "expected HOST:PORT (e.g. 0.0.0.0:8443), found '\(text)'")
        }
        var settings = ESTSettings(
            host: listen.host, port: listen.port,
            certificateFile: try path(map["certificate"], "est.certificate", "broker.pem"),
            keyFile: try path(map["key"], "est.key", "broker.key"))
        if let node = map["validity_days"] {
            settings.validityDays = try reader.integer(node, key: "est.validity_days", in: 1...3650, hint: "1 to 3650 days")
        }
        if let node = map["allow_same_key"] { settings.allowSameKey = try reader.bool(node, key: "est.allow_same_key") }
        return settings
    }

    private static func totpDefaults(_ node: Node?, _ reader: ConfigurationReader) throws(ConfigurationError) -> TOTPDefaults {
        var defaults = TOTPDefaults.standard
        guard let map = try reader.optionalMapping(node, path: "totp", allowed: ["algorithm", "digits", "period", "issuer"]) else {
            return defaults
        }
        if let node = map["algorithm"] {
            let text = try reader.string(node, key: "totp.algorithm")
            do { defaults.algorithm = try OTPAlgorithm(parsing: text) } catch {
                throw reader.error(at: node, key: "totp.algorithm", "expected SHA1, SHA256 or SHA512, found '\(text)'")
            }
        }
        if let node = map["digits"] {
            defaults.digits = try reader.integer(node, key: "totp.digits", in: 6...8, hint: "6, 7 or 8")
        }
        if let node = map["period"] {
            defaults.period = try reader.integer(node, key: "totp.period", in: TOTP.periodRange, hint: "1 to 300 seconds")
        }
        if let node = map["issuer"] {
            let issuer = try reader.string(node, key: "totp.issuer")
            guard !issuer.isEmpty, issuer.utf8.count <= OTPAuthURI.maxNameLength,
                  !issuer.unicodeScalars.contains(where: { $0 == ":" || $0.properties.generalCategory == .control })
            else {
                throw reader.error(at: node, key: "totp.issuer", "must be 1 to 256 bytes without ':' or control characters")
            }
            defaults.issuer = issuer
        }
        return defaults
    }

    private static func lockoutPolicy(_ node: Node?, _ reader: ConfigurationReader) throws(ConfigurationError) -> LockoutPolicy {
        let allowed = ["threshold", "base_delay", "max_delay", "hard_lock_after"]
        guard let map = try reader.optionalMapping(node, path: "lockout", allowed: allowed) else { return .default }
        let standard = LockoutPolicy.default
        let threshold = try map["threshold"].map { (n) throws(ConfigurationError) in try reader.integer(n, key: "lockout.threshold", in: 1...100, hint: "1 to 100") } ?? standard.threshold
        let base = try map["base_delay"].map { (n) throws(ConfigurationError) in try reader.integer(n, key: "lockout.base_delay", in: 1...86_400, hint: "1 to 86400 seconds") } ?? Int(standard.baseDelay)
        let maximum = try map["max_delay"].map { (n) throws(ConfigurationError) in try reader.integer(n, key: "lockout.max_delay", in: 1...604_800, hint: "1 to 604800 seconds") } ?? Int(standard.maxDelay)
        let hard = try map["hard_lock_after"].map { (n) throws(ConfigurationError) in try reader.integer(n, key: "lockout.hard_lock_after", in: 1...LockoutPolicy.maxHardLockAfter, hint: "1 to 100") } ?? standard.hardLockAfter
        do {
            return try LockoutPolicy(threshold: threshold, baseDelay: Int64(base), maxDelay: Int64(maximum), hardLockAfter: hard)
        } catch {
            throw reader.error(at: map.node, key: "lockout", error.description)
        }
    }

    private static func rateLimitPolicy(_ node: Node?, _ reader: ConfigurationReader) throws(ConfigurationError) -> RateLimitPolicy {
        let allowed = ["connects_per_second", "burst", "trusted_proxies", "max_tracked_addresses"]
        guard let map = try reader.optionalMapping(node, path: "rate_limit", allowed: allowed) else { return .default }
        let standard = RateLimitPolicy.default
        var rate = standard.connectsPerSecond
        if let node = map["connects_per_second"] {
            rate = try reader.decimal(node, key: "rate_limit.connects_per_second")
            guard rate > 0 else { throw reader.error(at: node, key: "rate_limit.connects_per_second", "must be greater than 0") }
        }
        let burst = try map["burst"].map { (n) throws(ConfigurationError) in try reader.integer(n, key: "rate_limit.burst", in: 1...1_000_000, hint: "1 to 1000000") } ?? standard.burst
        let proxies = try map["trusted_proxies"].map { (n) throws(ConfigurationError) in try reader.stringList(n, key: "rate_limit.trusted_proxies") } ?? standard.trustedProxies
        let tracked = try map["max_tracked_addresses"].map { (n) throws(ConfigurationError) in try reader.integer(n, key: "rate_limit.max_tracked_addresses", in: 1...100_000_000, hint: "1 to 100000000") } ?? standard.maxTrackedAddresses
        do {
            return try RateLimitPolicy(connectsPerSecond: rate, burst: burst, trustedProxies: proxies, maxTrackedAddresses: tracked)
        } catch {
            throw reader.error(at: map.node, key: "rate_limit", error.description)
        }
    }
}
