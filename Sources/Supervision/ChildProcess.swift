/// A running child of a supervisor: a worker or a nested supervisor.
///
/// The supervisor runs `run()` in a task it owns. Returning is a `normal` exit, throwing
/// ``ShutdownExit`` a `shutdown` exit, throwing anything else a crash. To stop a child that
/// has a graceful path (``stopsGracefully``), the supervisor calls `stop()` (finish what is
/// in hand, then return from `run()`) and cancels the task if the child's ``ShutdownPolicy``
/// timeout passes first. Any other child is cancelled at once: for a plain loop, Swift's
/// cooperative cancellation is the graceful path.
public protocol ChildProcess: Sendable {
    /// The child's life. Runs until it returns, throws, or is stopped.
    func run() async throws
    /// Whether `stop()` makes `run()` return; `false` (the default) means "cancel me".
    var stopsGracefully: Bool { get }
    /// A graceful stop request. Must not wait for `run()` to finish.
    func stop() async
    /// Called exactly once when the supervisor considers this instance dead — after `run()`
    /// ended, or at once when a kill or a watchdog abandoned it while it still hangs.
    /// Workers use it to hand back requests they can no longer answer.
    func terminated(_ reason: ExitReason)
}

extension ChildProcess {
    public var stopsGracefully: Bool { false }
    public func stop() async {}
    public func terminated(_ reason: ExitReason) {}
}
