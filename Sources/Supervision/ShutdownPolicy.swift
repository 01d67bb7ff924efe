/// How a supervisor stops a child (OTP's `shutdown`).
///
/// Swift has no brutal kill: a stop is a graceful request first (cancellation, for a child
/// without a graceful path), then task cancellation once the timeout expires. A child that
/// ignores cancellation too is abandoned as long again later and reported stopped with
/// reason `killed`, so a shutdown always ends. The timeout runs on the tree's clock, also
/// when the shutdown comes from cancelling the task that runs the tree.
public enum ShutdownPolicy: Sendable, Hashable {
    /// Ask the child to stop; cancel its task if it has not exited after `Duration`, and
    /// abandon it if it still runs `Duration` after that.
    case timeout(Duration)
    /// Wait for the child however long it takes: the default for child supervisors,
    /// which need the time to stop their own subtree in order.
    case infinity

    /// The default for workers: five seconds, as OTP's default for workers.
    public static let workerDefault = ShutdownPolicy.timeout(.seconds(5))
}
