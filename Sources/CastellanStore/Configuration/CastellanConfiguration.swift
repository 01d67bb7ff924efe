import CastellanAuth

/// Everything `castellan.yaml` says, with every path made absolute.
///
/// Relative paths in the file are relative to the file's own folder, so every command finds
/// the same database and keys from any working directory. Only `store` and `master_key_file`
/// are required; every other key has the default documented in `docs/configuration.md`.
public struct CastellanConfiguration: Sendable {
    /// The configuration file (absolute).
    public var file: String
    /// The folder relative paths are resolved against.
    public var directory: String
    /// The store, as written (for messages: `sqlite:castellan.db`).
    public var storeText: String
    /// The store backend and location.
    public var store: StoreURL
    /// The 32-byte master key file (mode 0600).
    public var masterKeyFile: String
    /// The Unix socket the broker plugin connects to.
    public var bridgeSocket: String
    /// `bridge.decision_threads`: how many threads decide the plugins' requests; `nil` (the
    /// default) means one per core. Read at start only.
    public var decisionThreads: Int? = nil
    /// The most `bridge.decision_threads` accepts.
    public static let maxDecisionThreads = 1024
    /// `bridge.decision_slice_us`: the scheduler slice each decision thread asks Linux for;
    /// `.zero` keeps the kernel's default, `nil` (the default) means the bridge's own
    /// (`DecisionThreads.defaultSlice`). Read at start only.
    public var decisionSlice: Duration? = nil
    /// What `bridge.decision_slice_us` accepts besides 0: what Linux grants (0.1 to 100 ms).
    public static let decisionSliceMicroseconds = 100...100_000
    /// The certificate authority's folder.
    public var caDirectory: String
    /// The supervision tree spec: `supervision.spec`, else `supervision.yaml` beside the file.
    public var supervisionSpec: String
    /// Whether the file names the spec (`supervision.spec`): then it must exist. Otherwise the
    /// default path is used when a file is there, and the built-in tree when not.
    public var supervisionSpecConfigured: Bool = false
    /// Where the admin API listens.
    public var adminListen: AdminListen
    /// The admin bearer token file (mode 0600).
    public var adminTokenFile: String
    /// TOTP enrolment defaults.
    public var totp: TOTPDefaults
    /// When failures lock a device out.
    public var lockout: LockoutPolicy
    /// Per-address connect limits.
    public var rateLimit: RateLimitPolicy
    /// How a client id must relate to the device identity.
    public var clientIDBinding: ClientIDBinding
    /// The EST enrolment server; `nil` (the default) runs none.
    public var est: ESTSettings?
    /// `entropy.extra`: a file or device whose bytes are mixed into the CSPRNG for every secret
    /// (see `MixedEntropy`); `nil` uses the CSPRNG alone.
    public var entropyExtra: String?
    /// `broker.tls_password_port`: the broker's TLS listener for password, TOTP and SCRAM
    /// devices (`castellan mosquitto-conf --tls-password-port`), the one listener where SCRAM
    /// `-PLUS` is offered, bound to the broker certificate; 0: none, and no `-PLUS` anywhere.
    public var tlsPasswordPort: Int = Self.defaultTLSPasswordPort

    /// `broker.tls_password_port` when the file does not say: mosquitto-conf's default too.
    public static let defaultTLSPasswordPort = 8884

    /// Where this configuration's secrets come from: the CSPRNG, with `entropy.extra` mixed in.
    public func entropySource(system: any EntropySource = SystemEntropy()) -> any EntropySource {
        guard let entropyExtra else { return system }
        return MixedEntropy(extraPath: entropyExtra, system: system)
    }

    /// Reads and validates `file`; see ``ConfigurationLoader``.
    public static func load(_ file: String) throws(ConfigurationError) -> CastellanConfiguration {
        try ConfigurationLoader.load(file)
    }
}
