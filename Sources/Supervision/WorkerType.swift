/// A kind of worker that specs can name (`worker: ticker`), and how to build it.
///
/// The registry of worker types is what ties a declarative spec to code: the spec loader
/// refuses names that are not registered, and the runtime asks the type to validate its
/// `options` and produce the child's start function before anything starts.
public struct WorkerType: Sendable {
    /// The name specs use.
    public let name: String
    private let makeWorker: @Sendable ([String: String]) throws -> ChildStarter
    private let makePool: (@Sendable (_ id: String, PoolSpec) throws -> ChildSpec)?

    /// A worker type whose `pool:` entries become a dynamic supervisor of identical workers.
    ///
    /// - Parameter make: validates `options` (throwing a clear error for bad ones) and
    ///   returns the function that starts one instance.
    public init(
        _ name: String,
        make: @escaping @Sendable ([String: String]) throws -> ChildStarter
    ) {
        self.name = name
        self.makeWorker = make
        self.makePool = nil
    }

    /// A worker type that builds its own pools (for example a request-serving ``WorkerPool``).
    public init(
        _ name: String,
        make: @escaping @Sendable ([String: String]) throws -> ChildStarter,
        pool: @escaping @Sendable (_ id: String, PoolSpec) throws -> ChildSpec
    ) {
        self.name = name
        self.makeWorker = make
        self.makePool = pool
    }

    func start(options: [String: String]) throws -> ChildSpec.Start {
        .worker(try makeWorker(options))
    }

    func pool(id: String, _ spec: PoolSpec) throws -> ChildSpec {
        if let makePool { return try makePool(id, spec) }
        let template = ChildSpec(id: "worker", start: try start(options: spec.options),
                                 watchdog: spec.requestDeadline.map { Watchdog(requestDeadline: $0) })
        let options = DynamicSupervisorOptions(intensity: spec.intensity, maxChildren: spec.size,
                                               initialChildren: spec.size)
        return ChildSpec(id: id, start: .dynamic(options, template: template))
    }
}

/// The worker types a program knows, by name.
public struct WorkerTypes: Sendable {
    private var types: [String: WorkerType] = [:]

    public init(_ types: [WorkerType] = []) {
        for type in types { self.types[type.name] = type }
    }

    /// The registered names, for ``SupervisionSpecLoader``.
    public var names: Set<String> { Set(types.keys) }

    public subscript(name: String) -> WorkerType? { types[name] }
}
