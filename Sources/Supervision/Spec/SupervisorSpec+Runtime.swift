/// Turning a validated spec into running supervision.
extension SupervisorSpec {
    /// The root's flags.
    public var options: SupervisorOptions {
        SupervisorOptions(strategy: strategy, intensity: intensity, autoShutdown: autoShutdown, backoff: backoff)
    }

    /// The runtime child specs, with each worker type's options validated now.
    ///
    /// - Throws: ``SpecError`` at the child whose type is unknown or whose options its
    ///   type refuses; nothing has started.
    public func childSpecs(using types: WorkerTypes) throws(SpecError) -> [ChildSpec] {
        var specs: [ChildSpec] = []
        for child in children {
            var spec: ChildSpec
            do {
                switch child.kind {
                case .worker(let name, let options):
                    spec = ChildSpec(id: child.id, start: try type(name, types, child).start(options: options))
                case .supervisor(let nested):
                    spec = .supervisor(id: child.id, nested.options, children: try nested.childSpecs(using: types))
                case .pool(let pool):
                    spec = try type(pool.worker, types, child).pool(id: child.id, pool)
                }
            } catch let error as SpecError {
                throw error
            } catch {
                throw SpecError(file: child.location.file, line: child.location.line, column: child.location.column,
                                field: child.id, message: "\(error)")
            }
            spec.restart = child.restart
            spec.shutdown = child.shutdown
            spec.significant = child.significant
            specs.append(spec)
        }
        return specs
    }

    /// A tree ready to run, rooted at this spec.
    public func makeTree(using types: WorkerTypes, environment: SupervisionEnvironment = SupervisionEnvironment())
        throws(SpecError) -> SupervisionTree
    {
        SupervisionTree(id: id, options: options, children: try childSpecs(using: types), environment: environment)
    }

    private func type(_ name: String, _ types: WorkerTypes, _ child: ChildSpecNode) throws(SpecError) -> WorkerType {
        guard let type = types[name] else {
            throw SpecError(file: child.location.file, line: child.location.line, column: child.location.column,
                            field: child.id, message: "unknown worker type '\(name)'")
        }
        return type
    }
}
