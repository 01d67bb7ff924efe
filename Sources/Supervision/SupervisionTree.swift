/// A whole supervision tree: its root supervisor and the environment every node shares.
///
/// The handle a program holds: run the tree, watch its events, take snapshots, kill
/// any node by path. If the root gives up (restart intensity exceeded), ``run()``
/// throws, so the process can exit non-zero and let the level above (systemd) restart it.
public final class SupervisionTree: Sendable {
    public let environment: SupervisionEnvironment
    public let root: Supervisor

    /// - Parameters:
    ///   - id: the root's name; paths start with `/id`.
    public init(id: String, options: SupervisorOptions, children: [ChildSpec],
                environment: SupervisionEnvironment = SupervisionEnvironment()) {
        self.environment = environment
        self.root = Supervisor(path: "/" + id, options: options, children: children, environment: environment)
    }

    /// Starts the root and supervises until ``stop()`` or until the root gives up.
    ///
    /// - Throws: ``SupervisorError`` when a child fails to start; ``ShutdownExit`` when
    ///   the root reached its restart intensity or shut itself down.
    public func run() async throws {
        defer { environment.events.emit(SupervisionEvent(path: root.path, kind: .shutdownComplete)) }
        try await root.start()
        environment.events.emit(SupervisionEvent(path: root.path, kind: .childStarted(generation: 1)))
        try await root.run()
    }

    /// Stops the tree in reverse start order; ``run()`` then returns.
    public func stop() async { await root.stop() }

    /// The whole tree now.
    public func snapshot() async -> TreeSnapshot { await root.snapshot() }

    /// Kills the child at `path` as a crash would; its supervisor restarts it per its spec.
    public func kill(path: String) async throws { try await root.kill(path: path) }

    /// Supervision events from now on (with `replay`, the recent ones first).
    public func events(replay: Bool = false) -> AsyncStream<SupervisionEvent> {
        environment.events.subscribe(replay: replay)
    }
}
