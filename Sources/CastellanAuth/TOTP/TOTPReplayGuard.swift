/// Makes every TOTP time step usable at most once per device (RFC 6238 §5.2).
///
/// A step is accepted only if it is strictly newer than the last step accepted for that
/// device, which refuses both a replayed code and an older code after a newer one. The
/// check-and-record must be one atomic step: two connections racing with the same code get
/// exactly one `true`. The protocol is `async throws` because the durable, cluster-wide
/// implementation is a compare-and-set in the store; ``InMemoryReplayGuard`` serves a single
/// process and the tests.
public protocol TOTPReplayGuard: Sendable {
    /// Atomically records `step` for `device` if it is newer than the last accepted one.
    ///
    /// - Returns: `true` if the step was accepted (and is now the last one), `false` for a replay.
    /// - Throws: only for infrastructure failures (a store that cannot answer); callers deny then.
    func accept(step: Int64, for device: DeviceID) async throws -> Bool
}

/// A process-local ``TOTPReplayGuard``: one actor, so check-and-record is atomic.
///
/// Forgets everything on restart; the service uses the store's durable guard instead.
/// Memory grows with the number of devices that ever authenticated, like the store's column.
public actor InMemoryReplayGuard: TOTPReplayGuard {
    private var lastAccepted: [DeviceID: Int64] = [:]

    /// An empty guard: every device's first step (≥ 0) is accepted.
    public init() {}

    /// Accepts `step` if it is ≥ 0 and newer than the device's last accepted step; never throws.
    public func accept(step: Int64, for device: DeviceID) -> Bool {
        guard step >= 0 else { return false }
        if let last = lastAccepted[device], step <= last { return false }
        lastAccepted[device] = step
        return true
    }

    /// The last accepted step for `device`, or `nil` if none was accepted yet.
    public func lastAcceptedStep(for device: DeviceID) -> Int64? { lastAccepted[device] }

    /// Drops the device's history, for a re-enrolment with a new secret (whose steps start over).
    public func forget(_ device: DeviceID) { lastAccepted[device] = nil }
}
