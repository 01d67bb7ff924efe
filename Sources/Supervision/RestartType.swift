/// When a child that exited is restarted (OTP's `restart`).
public enum RestartType: String, Sendable, Hashable, CaseIterable {
    /// Always restarted, even after a normal return.
    case permanent
    /// Restarted only after an abnormal exit (not after `normal` or `shutdown`).
    case transient
    /// Never restarted, not even when a sibling's crash stopped it; its spec is then dropped.
    case temporary
}
