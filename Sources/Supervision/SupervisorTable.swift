import Synchronization

/// State whose lifetime is a supervisor's, not a child's: OTP's ETS table owned by the
/// supervisor, with no heir.
///
/// A child gets it from its context (``ChildContext/table(_:capacity:of:)``); every instance
/// of every child of one supervisor instance gets the same table. So what a worker put there
/// survives that worker's crash and restart, and its replacement (or a sibling) finds it.
/// When the supervisor itself terminates — gives up, is stopped, is killed, or is restarted
/// by its parent — the table is dropped with it, after its children are stopped: entries
/// gone, later inserts refused, lookups empty. A restarted supervisor starts with fresh,
/// empty tables. As with ETS, what must outlive the supervisor belongs higher up the tree.
///
/// Bounded (`capacity` entries; a full table refuses inserts rather than evicting) and
/// every entry expires, on the tree's clock, so abandoned entries never pile up.
public final class SupervisorTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let deadline: Duration
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var dropped = false
        /// No entry expires before this: the full-table scan for expired entries is skipped until then.
        var earliest: Duration = .zero
    }

    /// The most entries the table holds.
    public let capacity: Int
    private let clock: any SupervisionClock
    private let state = Mutex(State())

    init(capacity: Int, clock: any SupervisionClock) {
        self.capacity = capacity
        self.clock = clock
    }

    /// Stores `value` under `key` (replacing what was there) until `lifetime` has passed.
    ///
    /// - Throws: ``SupervisorTableError/full`` at capacity (after dropping expired entries),
    ///   ``SupervisorTableError/dropped`` once the owning supervisor is gone.
    public func insert(_ value: Value, for key: Key, lifetime: Duration) throws(SupervisorTableError) {
        let now = clock.now
        try state.withLock { (state: inout State) throws(SupervisorTableError) in
            guard !state.dropped else { throw .dropped }
            if state.entries[key] == nil && state.entries.count >= capacity {
                Self.purge(&state, at: now)
                guard state.entries.count < capacity else { throw .full }
            }
            let deadline = now + lifetime
            if state.entries.isEmpty || deadline < state.earliest { state.earliest = deadline }
            state.entries[key] = Entry(value: value, deadline: deadline)
        }
    }

    /// The live value under `key`, left in place.
    public func lookup(_ key: Key) -> Value? {
        let now = clock.now
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard now < entry.deadline else {
                state.entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// Removes and returns the live value under `key`: at most one caller ever gets it, so
    /// taking is how a once-only step (a second message of an exchange) claims its state.
    public func take(_ key: Key) -> Value? {
        let now = clock.now
        return state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: key), now < entry.deadline else { return nil }
            return entry.value
        }
    }

    /// Replaces the live value under `key` with what `transform` makes of it, atomically,
    /// keeping its deadline — or, given `lifetime`, until that has passed from now (`nil`
    /// removes it): a compare-and-set, so a step can record its result only if the entry is
    /// still the one it started from.
    ///
    /// - Returns: `false`, without calling `transform`, when nothing live is under `key`.
    @discardableResult
    public func update(_ key: Key, lifetime: Duration? = nil, _ transform: (Value) -> Value?) -> Bool {
        let now = clock.now
        return state.withLock { state in
            guard let entry = state.entries[key] else { return false }
            guard now < entry.deadline else {
                state.entries[key] = nil
                return false
            }
            let deadline = lifetime.map { now + $0 } ?? entry.deadline
            if deadline < state.earliest { state.earliest = deadline }
            state.entries[key] = transform(entry.value).map { Entry(value: $0, deadline: deadline) }
            return true
        }
    }

    /// Removes whatever is under `key`.
    public func remove(_ key: Key) { _ = state.withLock { $0.entries.removeValue(forKey: key) } }

    /// Entries held now (expired ones included until they are next looked at).
    public var count: Int { state.withLock { $0.entries.count } }

    /// Whether the owning supervisor is gone (the table refuses inserts and holds nothing).
    public var isDropped: Bool { state.withLock { $0.dropped } }

    private static func purge(_ state: inout State, at now: Duration) {
        guard now >= state.earliest else { return }
        state.entries = state.entries.filter { now < $0.value.deadline }
        state.earliest = state.entries.values.map(\.deadline).min() ?? .zero
    }
}

extension SupervisorTable: DroppableTable {
    func drop() {
        state.withLock { state in
            state.dropped = true
            state.entries.removeAll()
        }
    }
}

/// Why a ``SupervisorTable`` refused an insert.
public enum SupervisorTableError: Error, Sendable, Hashable {
    /// The table holds `capacity` live entries.
    case full
    /// The supervisor owning the table is gone.
    case dropped
    /// A table of that name exists with other key or value types.
    case typeMismatch(String)
}

/// Type-erased, so a supervisor can drop tables of any key and value types.
protocol DroppableTable: AnyObject, Sendable {
    func drop()
}

/// One supervisor instance's tables, by name: created on first use, dropped together when
/// the supervisor is done.
final class SupervisorTables: Sendable {
    private struct State {
        var tables: [String: any DroppableTable] = [:]
        var dropped = false
    }

    private let state = Mutex(State())

    func table<Key, Value>(_ name: String, capacity: Int, clock: any SupervisionClock)
        throws(SupervisorTableError) -> SupervisorTable<Key, Value> {
        try state.withLock { (state: inout State) throws(SupervisorTableError) in
            if let existing = state.tables[name] {
                guard let table = existing as? SupervisorTable<Key, Value> else { throw .typeMismatch(name) }
                return table
            }
            guard !state.dropped else { throw .dropped }
            let table = SupervisorTable<Key, Value>(capacity: capacity, clock: clock)
            state.tables[name] = table
            return table
        }
    }

    /// The supervisor is done: every table it owns is emptied and refuses further inserts.
    func drop() {
        let tables = state.withLock { state in
            state.dropped = true
            return Array(state.tables.values)
        }
        for table in tables { table.drop() }
    }
}
