/// How a supervisor stops a child (OTP's `shutdown`).
///
/// Swift has no brutal kill: a stop is a graceful request first, then task cancellation
/// once the timeout expires. A child that ignores cancellation too is reported, not waited
/// on forever by anything but its own supervisor's final drain.
public enum ShutdownPolicy: Sendable, Hashable {
    /// Ask the child to stop; cancel its task if it has not exited after `Duration`.
    case timeout(Duration)
    /// Wait for the child however long it takes: the default for child supervisors,
    /// which need the time to stop their own subtree in order.
    case infinity

    /// The default for workers: five seconds, as OTP's default for workers.
    public static let workerDefault = ShutdownPolicy.timeout(.seconds(5))
}
