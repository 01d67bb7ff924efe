import Supervision
import SupervisionTesting

/// A running tree of scripted children on a manual clock, with its events recorded.
struct Harness {
    let probe = ChildProbe()
    let clock = ManualClock()
    let environment: SupervisionEnvironment
    let tree: SupervisionTree
    let events: EventRecorder
    let running: Task<Result<Void, any Error>, Never>

    /// Starts the tree and returns once the root has started all its children.
    init(_ options: SupervisorOptions = SupervisorOptions(), _ children: (ChildProbe) -> [ChildSpec]) async {
        environment = SupervisionEnvironment(clock: clock, random: { 0.5 })
        tree = SupervisionTree(id: "root", options: options, children: children(probe), environment: environment)
        events = EventRecorder(environment.events)
        let tree = tree
        running = Task { await Result { try await tree.run() } }
        await events.next { $0.path == "/root" && ($0.name == "child_started" || $0.name == "shutdown_complete") }
    }

    /// How the tree's run ended (waits for it).
    var outcome: Result<Void, any Error> { get async { await running.value } }

    /// Stops the tree and waits until it is down.
    @discardableResult
    func stop() async -> Result<Void, any Error> {
        await tree.stop()
        return await running.value
    }

    func crash(_ id: String) { probe.latest(id)?.crash() }

    /// Waits for the restart of the child at `path`.
    func restarted(_ path: String) async { await events.next("child_restarted", at: path) }

    func states() async -> [String: ChildState] {
        Dictionary(uniqueKeysWithValues: await tree.root.whichChildren().map { ($0.id, $0.state) })
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }

    var error: (any Error)? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
