import CSchedulerSlice
import NIOCore
import NIOPosix
import Synchronization

/// The threads the plugin links' I/O and the service's decisions share: one event loop per
/// thread, `count` of them (`bridge.decision_threads`, by default one per core).
///
/// Why event loops and not the global executor: a connect is a strict sequence — frame in,
/// decision, frame out — and run on one thread that sequence wakes no other one; spread over
/// the global executor it took six to eight thread switches per connect, which on a small
/// machine cost more than the decision itself. So a request is decided on one of these
/// threads (a *lane*) by a pool worker living on the same thread (``WorkerPool`` places its
/// workers over the lanes), and answered from there.
///
/// Which lane: the one with the fewest requests in flight, preferring the lane of the loop the
/// frame arrived on (``lane(arrivingOn:)``). A broker that asks one question at a time
/// (mosquitto 2.0 blocks in its plugin call) is thus decided on its own link's thread with no
/// hand-off at all, while a broker with many requests in flight (mosquitto 2.1's delayed basic
/// auth) has them spread over every thread. Work that must not hold a lane — a key
/// derivation, a first certificate verification — runs on the service's cold-check threads.
///
/// Each thread asks Linux for a short scheduler slice (`bridge.decision_slice_us`, see
/// ``defaultSlice``): on a machine whose cores are busy (devices' TLS handshakes, other
/// services), a thread woken by a plugin's request then runs at once instead of after a busy
/// thread's slice, while mosquitto 2.0 waits for the answer.
public final class DecisionThreads: Sendable {
    /// The event loops, one thread each: the listener accepts on them and each plugin link's
    /// channel lives on one of them.
    public let group: MultiThreadedEventLoopGroup
    private let lanes: [Lane]
    /// Decisions made on no decision thread (see ``recordDecision()``).
    private let decidedElsewhere = Atomic(0)

    /// One thread: its loop, the executor for tasks preferring it, and its counters.
    private final class Lane: Sendable {
        let loop: any EventLoop
        let executor: EventLoopTaskExecutor
        /// Requests being decided here (begun, not yet answered).
        let inFlight = Atomic(0)
        /// Decisions made on this thread since start.
        let decided = Atomic(0)

        init(_ loop: any EventLoop) {
            self.loop = loop
            executor = EventLoopTaskExecutor(loop)
        }
    }

    /// The scheduler slice the threads asked for.
    public let slice: Duration

    private init(count: Int, slice: Duration) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: count)
        lanes = group.makeIterator().map(Lane.init)
        self.slice = slice
        // Each loop's first task, so before any request reaches the thread. A kernel that does not
        // take the slice (before 6.12, or a policy the operator chose) leaves the thread as it was.
        let nanoseconds = UInt64(slice / .nanoseconds(1))
        for lane in lanes {
            lane.loop.execute { _ = castellan_set_scheduler_slice(nanoseconds) }
        }
    }

    /// The slice a decision thread asks for by default: the shortest Linux grants (100 µs). A
    /// decision costs a few µs of it, and a thread that used its slice up keeps its turn in the
    /// queue like any other, so a short slice buys no more CPU, only an earlier start.
    public static let defaultSlice = Duration.microseconds(100)

    /// What each thread has now, as the kernel reports it: its slice (the kernel's default when
    /// none was asked for), `.zero` from a kernel that reports none (before Linux 6.12), `nil`
    /// for a thread not on SCHED_NORMAL (or whose attributes cannot be read).
    public func slices() async throws -> [Duration?] {
        var slices: [Duration?] = []
        for lane in lanes {
            let nanoseconds = try await lane.loop.submit { castellan_scheduler_slice() }.get()
            slices.append(nanoseconds == UInt64.max ? nil : .nanoseconds(Int64(nanoseconds)))
        }
        return slices
    }

    /// How many threads decide.
    public var count: Int { lanes.count }

    /// One thread per core: the default of `bridge.decision_threads`.
    public static var defaultCount: Int { System.coreCount }

    private struct Key: Hashable {
        let count: Int
        let slice: Duration
    }

    private static let instances = Mutex<[Key: DecisionThreads]>([:])

    /// The process's `count` decision threads with `slice` (`.zero`: the kernel's default), made
    /// on first use and kept as long as the process (like NIO's singletons), so neither services
    /// nor tests shut them down; a service started again in the same process (tests) gets the
    /// same threads.
    public static func shared(count: Int = defaultCount, slice: Duration = defaultSlice) -> DecisionThreads {
        let key = Key(count: max(1, count), slice: slice)
        return instances.withLock { instances in
            if let existing = instances[key] { return existing }
            let made = DecisionThreads(count: key.count, slice: key.slice)
            instances[key] = made
            return made
        }
    }

    /// Where Swift tasks run when they prefer `lane`'s thread.
    public func executor(_ lane: Int) -> any TaskExecutor { lanes[lane].executor }

    /// Every lane's executor, in lane order (for ``WorkerPool``'s workers).
    public var laneExecutors: [any TaskExecutor] { lanes.map(\.executor) }

    /// The lane of `loop`, if it is one of these threads.
    public func lane(of loop: any EventLoop) -> Int? {
        lanes.firstIndex { $0.loop === loop }
    }

    /// The lane of the calling thread, if it is one of these.
    public var currentLane: Int? {
        MultiThreadedEventLoopGroup.currentEventLoop.flatMap { lane(of: $0) }
    }

    /// The lane for a request that arrived on `loop`: the least busy, `loop`'s own on a tie, so
    /// a lone request is decided where it arrived (no thread hand-off).
    public func lane(arrivingOn loop: any EventLoop) -> Int {
        var best = lane(of: loop) ?? 0
        var least = lanes[best].inFlight.load(ordering: .relaxed)
        guard least > 0 else { return best }
        for lane in lanes.indices where lane != best {
            let load = lanes[lane].inFlight.load(ordering: .relaxed)
            if load < least {
                best = lane
                least = load
                if load == 0 { break }
            }
        }
        return best
    }

    /// A request starts on `lane`; pair with ``end(_:)``.
    public func begin(_ lane: Int) { lanes[lane].inFlight.add(1, ordering: .relaxed) }

    /// A request on `lane` was answered.
    public func end(_ lane: Int) { lanes[lane].inFlight.subtract(1, ordering: .relaxed) }

    /// Counts a decision on the calling thread's lane (or as made elsewhere): what shows that a
    /// link's decisions really run on several threads, for metrics and tests.
    public func recordDecision() {
        if let lane = currentLane {
            lanes[lane].decided.add(1, ordering: .relaxed)
        } else {
            decidedElsewhere.add(1, ordering: .relaxed)
        }
    }

    /// Decisions made on each lane's thread since start; the last element counts those made on
    /// another thread.
    public var decisionsPerThread: [Int] {
        lanes.map { $0.decided.load(ordering: .relaxed) } + [decidedElsewhere.load(ordering: .relaxed)]
    }

    /// Requests in flight, per lane.
    public var requestsInFlight: [Int] { lanes.map { $0.inFlight.load(ordering: .relaxed) } }
}
