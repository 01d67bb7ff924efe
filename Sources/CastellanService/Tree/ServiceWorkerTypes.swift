import CastellanBridge
import CastellanStore
import Logging
import Supervision

/// The worker types `supervision/castellan.yaml` names, bound to one running service.
public enum ServiceWorkerTypes {
    /// The names, for validating a spec without a running service.
    public static let names: Set<String> = [
        "audit_writer", "certificate_auth", "password_auth", "scram_auth", "notifier", "event_publisher", "bridge_listener",
        "bridge_connections",
    ]

    /// - Parameter events: the tree's event bus, which `event_publisher` relays into the brokers.
    public static func all(_ context: ServiceContext, events: EventBus, logger: Logger) -> WorkerTypes {
        WorkerTypes([
            WorkerType("audit_writer") { values in
                _ = try WorkerOptions(values, allowed: [])
                return { _ in AuditWriterProcess(audit: context.audit, failures: context.failures, store: context.store) }
            },
            authPool("certificate_auth", threads: context.threads, install: context.pools.install) { _ in CertificateAuthWorker(context: context) },
            authPool("password_auth", threads: context.threads, install: context.pools.install) { _ in PasswordAuthWorker(context: context) },
            authPool("scram_auth", threads: context.threads, install: context.pools.install) { try SCRAMAuthWorker(context: context, child: $0) },
            WorkerType("notifier") { values in
                _ = try WorkerOptions(values, allowed: [])
                return { _ in Notifier(context: context, logger: logger) }
            },
            WorkerType("event_publisher") { values in
                _ = try WorkerOptions(values, allowed: [])
                return { _ in EventPublisher(context: context, events: events) }
            },
            WorkerType("bridge_listener") { values in
                let options = try WorkerOptions(values, allowed: ["connections"])
                let sibling = options.values["connections"] ?? "connections"
                return { child in
                    let parent = child.path.split(separator: "/").dropLast().joined(separator: "/")
                    return BridgeListenerProcess(context: context, connectionsPath: "/" + parent + "/" + sibling,
                                                 registry: child.registry, logger: logger)
                }
            },
            WorkerType("bridge_connections", make: { _ in throw WorkerOptionsError("bridge_connections is a pool: its size is the most brokers") },
                       pool: { id, spec in
                           // Empty at start: the listener adds one temporary child per accepted broker.
                           let broker = ChildSpec.worker(id: "broker", restart: .temporary) { _ in
                               guard let channel = context.arrivingBrokers.take() else {
                                   throw BridgeSetupError("a broker child started without a connection")
                               }
                               return BrokerConnectionProcess(channel: channel, handler: Authenticator(context: context, logger: logger),
                                                              logger: logger)
                           }
                           return ChildSpec(id: id, start: .dynamic(DynamicSupervisorOptions(
                               intensity: spec.intensity, maxChildren: spec.size, initialChildren: 0), template: broker))
                       }),
        ])
    }

    /// A pool type whose workers are `make(child)`, installed where the bridge finds them.
    ///
    /// Its workers are spread over the decision threads, at least one on each (a pool smaller
    /// than `bridge.decision_threads` is grown to it), so a request is decided by a worker on the
    /// thread it was given to, with no hand-off between threads.
    private static func authPool<Behavior: WorkerBehavior>(
        _ name: String, threads: DecisionThreads, install: @escaping @Sendable (WorkerPool<Behavior>) -> Void,
        make: @escaping @Sendable (ChildContext) throws -> Behavior
    ) -> WorkerType {
        WorkerType(name, make: { _ in throw WorkerOptionsError("\(name) runs as a pool (pool: {worker: \(name), size: N})") },
                   pool: { id, spec in
                       _ = try WorkerOptions(spec.options, allowed: [])
                       let pool = WorkerPool(id: id, size: max(spec.size, threads.count), intensity: spec.intensity,
                                             requestDeadline: spec.requestDeadline, lanes: threads.laneExecutors, make: make)
                       install(pool)
                       return pool.childSpec
                   })
    }
}

/// The writer of what decisions leave behind — the audit trail and lockout failures — as one
/// supervised child: decisions never wait for either. A store failure in one restarts both;
/// each resumes from what it still holds.
struct AuditWriterProcess: ChildProcess {
    let audit: AuditBatcher
    let failures: FailureLedger
    let store: any CredentialStore
    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await audit.run() }
            group.addTask { try await failures.run(store) }
            // The first to fail takes the other down with it (the group cancels it).
            try await group.waitForAll()
        }
    }
}
