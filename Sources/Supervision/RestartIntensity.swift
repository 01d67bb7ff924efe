/// How many restarts a supervisor tolerates before it gives up (OTP's `intensity` and `period`).
///
/// More than `maxRestarts` restarts within any sliding window of `within` terminates the
/// supervisor: it stops all children in reverse start order and exits with reason
/// `shutdown`, escalating to its parent. `maxRestarts` restarts are fine; the next one
/// is one too many. A one_for_all or rest_for_one event counts once, a failed restart
/// attempt counts, and manual termination never counts.
public struct RestartIntensity: Sendable, Hashable {
    /// Restarts allowed inside the window.
    public var maxRestarts: Int
    /// The sliding window's length.
    public var within: Duration

    /// - Precondition: `maxRestarts >= 0` and `within > .zero` (a programming error otherwise;
    ///   specs loaded from files are validated before they get here).
    public init(maxRestarts: Int, within: Duration) {
        precondition(maxRestarts >= 0 && within > .zero, "invalid restart intensity")
        self.maxRestarts = maxRestarts
        self.within = within
    }

    /// OTP's default: 1 restart in 5 seconds.
    public static let otpDefault = RestartIntensity(maxRestarts: 1, within: .seconds(5))
}
