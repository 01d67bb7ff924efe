/// Whether a supervisor shuts itself down when its significant children exit (OTP's `auto_shutdown`).
///
/// Only children marked `significant` count, and a significant child is never `.permanent`
/// (a permanent child is always restarted, so it never "exits for good"), and only under a
/// supervisor whose auto-shutdown is not `never` — as in OTP, specs that break either rule
/// are refused when the supervisor starts.
public enum AutoShutdown: String, Sendable, Hashable, CaseIterable {
    /// Significant children change nothing.
    case never
    /// The supervisor stops (reason `shutdown`) as soon as any significant child exits for good.
    case anySignificant = "any_significant"
    /// The supervisor stops once every significant child has exited for good.
    case allSignificant = "all_significant"
}
