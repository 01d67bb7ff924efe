import Synchronization

/// Finds the current instance of a named child, and says which generation it is.
///
/// Callers never hold on to a worker across restarts: they look it up by path, and a reply
/// that carries an older generation than the registry's is stale and must be rejected (it
/// comes from an instance its supervisor already gave up on). Lookups take one lock and
/// no actor hop, because they sit on the connect path.
public final class Registry: Sendable {
    /// One registered instance.
    public struct Entry: Sendable {
        public let process: any ChildProcess
        public let generation: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// The last generation issued per path, kept after unregistering so generations
        /// at a path only grow — also when the supervisor above restarts.
        var issued: [String: UInt64] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The current instance at `path`, if one is running.
    public func lookup(_ path: String) -> Entry? {
        state.withLock { $0.entries[path] }
    }

    /// The current instance at `path` as a `T`, with its generation.
    public func lookup<T: ChildProcess>(_ path: String, as type: T.Type) -> (process: T, generation: UInt64)? {
        guard let entry = lookup(path), let process = entry.process as? T else { return nil }
        return (process, entry.generation)
    }

    /// `true` when `generation` is the one registered at `path` now.
    public func isCurrent(_ path: String, generation: UInt64) -> Bool {
        state.withLock { $0.entries[path]?.generation == generation }
    }

    /// Paths registered under `prefix` (a supervisor's path), sorted.
    public func paths(under prefix: String) -> [String] {
        state.withLock { state in
            state.entries.keys.filter { $0 == prefix || $0.hasPrefix(prefix + "/") }.sorted()
        }
    }

    /// The next generation for `path`: one more than any issued there before.
    func nextGeneration(for path: String) -> UInt64 {
        state.withLock { state in
            let next = (state.issued[path] ?? 0) + 1
            state.issued[path] = next
            return next
        }
    }

    func register(_ path: String, _ process: any ChildProcess, generation: UInt64) {
        state.withLock { $0.entries[path] = Entry(process: process, generation: generation) }
    }

    /// Removes `path` only if `generation` is still the registered one, so a late removal
    /// by an old instance cannot unregister its replacement.
    func unregister(_ path: String, generation: UInt64) {
        state.withLock { state in
            if state.entries[path]?.generation == generation { state.entries[path] = nil }
        }
    }
}
