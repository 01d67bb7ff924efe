import CastellanAuth
import CastellanBridge
import CastellanStore
import Foundation
import Logging
import Supervision

/// The running service: configuration, store, the supervision tree and its workers.
public final class CastellanServer: Sendable {
    public let context: ServiceContext
    public let tree: SupervisionTree
    public let specFile: String
    /// How many decision threads, and their scheduler slice as asked and as the kernel reports it.
    public let decisionThreadsSummary: String
    private let configurationFile: String
    private let logger: Logger
    /// Derived from the master key once at start, for every reload's settings.
    private let unknownUserKey: [UInt8]

    /// Loads everything and builds the tree; nothing runs yet.
    ///
    /// Refuses to start when another process serves on the bridge socket, and when a spec file
    /// the configuration names (`supervision.spec`) does not exist. Without one, `supervision.yaml`
    /// beside the configuration is used if it is there, else the built-in default tree (the
    /// same as `supervision/castellan.yaml`).
    public init(configuration: CastellanConfiguration, logger: Logger, environment: SupervisionEnvironment = SupervisionEnvironment()) async throws {
        self.configurationFile = configuration.file
        self.logger = logger
        try BridgeSocket.prepare(path: configuration.bridgeSocket)
        let masterKey = try MasterKey.load(from: configuration.masterKeyFile)
        let threads = DecisionThreads.shared(count: configuration.decisionThreads ?? DecisionThreads.defaultCount,
                                             slice: configuration.decisionSlice ?? DecisionThreads.defaultSlice)
        decisionThreadsSummary = "\(threads.count), scheduler slice \(try await Self.sliceSummary(threads))"
        // PostgreSQL answers arrive on a decision thread, where the workers wait for them.
        let store = try await StoreOpener.open(configuration.store, masterKey: masterKey, eventLoopGroup: threads.group)
        await Self.warmConnectPath(store, logger: logger)
        let entropy = configuration.entropySource()
        unknownUserKey = ServiceSettings.unknownUserKey(masterKey)
        let settings = try ServiceSettings(configuration: configuration, unknownUserKey: unknownUserKey)
        context = try ServiceContext(store: store, settings: settings, entropy: entropy, threads: threads)
        logger.info("SCRAM -PLUS \(settings.channelBindingSummary)")
        let loader = SupervisionSpecLoader(workerTypes: ServiceWorkerTypes.names)
        let spec: SupervisorSpec
        if configuration.supervisionSpecConfigured, !FileManager.default.fileExists(atPath: configuration.supervisionSpec) {
            throw ServiceStartError(
                "supervision.spec \(configuration.supervisionSpec) does not exist: create it (supervision/castellan.yaml is the built-in tree) or remove the line to run the built-in tree")
        }
        if FileManager.default.fileExists(atPath: configuration.supervisionSpec) {
            spec = try loader.load(contentsOf: configuration.supervisionSpec)
            specFile = configuration.supervisionSpec
        } else {
            spec = try loader.parse(DefaultServiceSpec.yaml, file: "<built-in supervision/castellan.yaml>")
            specFile = "<built-in>"
        }
        tree = try spec.makeTree(using: ServiceWorkerTypes.all(context, events: environment.events, logger: logger), environment: environment)
    }

    /// What the decision threads' slice was asked to be and what the kernel reports each has, for
    /// `serve`'s start line: what an operator checks when `bridge.decision_slice_us` seems to do nothing.
    static func sliceSummary(_ threads: DecisionThreads) async throws -> String {
        func text(_ slice: Duration) -> String { "\(Int(slice / .microseconds(1))) µs" }
        let reported = Set(try await threads.slices()).map { slice in
            guard let slice else { return "unknown (not SCHED_NORMAL, or not readable)" }
            return slice == .zero ? "none reported (before Linux 6.12, none is taken)" : text(slice)
        }
        return "asked \(threads.slice == .zero ? "the kernel's default" : text(threads.slice)), has \(reported.sorted().joined(separator: " and "))"
    }

    /// One connect-path read before the bridge listens, so the first device is not the one that
    /// pays for the cold path: on PostgreSQL the read's own connection is opened on first use
    /// (TCP, TLS, login: several round trips and a backend fork, 30 ms on a busy machine — the
    /// plugin's deadline would refuse that connect), its statement prepared, and on SQLite the
    /// pages read. A failure is only logged: the read connects again when a device needs it.
    static func warmConnectPath(_ store: any CredentialStore, logger: Logger) async {
        do {
            _ = try await store.connectProfile(device: try DeviceID("castellan-warm-up"))
        } catch {
            logger.warning("store not reachable for the warm-up read; the first connect will open its connection", metadata: ["error": "\(error)"])
        }
    }

    /// Runs until ``stop()``; throws when the root supervisor gave up.
    public func run() async throws {
        try await tree.run()
    }

    /// Stops the tree in reverse start order, then writes what the audit trail still holds.
    public func stop() async {
        await tree.stop()
    }

    /// Re-reads `castellan.yaml`, the CA certificate and the broker certificate (SCRAM `-PLUS`)
    /// and puts them in force for new connections. A bad file is refused and the running settings stay.
    ///
    /// The store, master key, bridge socket and supervision spec are read once at start;
    /// changing them needs a restart, and the returned notes say so.
    public func reload() throws -> [String] {
        let fresh = try CastellanConfiguration.load(configurationFile)
        let settings = try ServiceSettings(configuration: fresh, unknownUserKey: unknownUserKey)
        let running = context.settings.configuration
        var notes: [String] = []
        if fresh.storeText != running.storeText { notes.append("store changed: takes effect after a restart") }
        if fresh.bridgeSocket != running.bridgeSocket { notes.append("bridge.socket changed: takes effect after a restart") }
        if fresh.supervisionSpec != running.supervisionSpec { notes.append("supervision.spec changed: takes effect after a restart") }
        if fresh.decisionThreads != running.decisionThreads { notes.append("bridge.decision_threads changed: takes effect after a restart") }
        if fresh.decisionSlice != running.decisionSlice { notes.append("bridge.decision_slice_us changed: takes effect after a restart") }
        context.apply(settings)
        logger.info("configuration reloaded", metadata: ["file": "\(configurationFile)", "scram_plus": "\(settings.channelBindingSummary)"])
        return notes
    }
}
