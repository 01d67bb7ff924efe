/// When consecutive authentication failures lock a device out.
///
/// The first `threshold - 1` consecutive failures cost nothing (typos happen). From the
/// `threshold`-th on, the device is locked for `baseDelay · 2^(failures − threshold)` seconds
/// after its last failure, capped at `maxDelay`. At `hardLockAfter` consecutive failures it is
/// locked until an operator runs `castellan device unlock` (NIST SP 800-63B §5.2.2 allows at
/// most 100 failed attempts). A success resets the count. Failures are counted per device,
/// across sessions and service instances, by a ``LockoutCounter``.
///
/// The lock is computed, not stored: ``lockedUntil(failures:lastFailure:)`` is a pure function
/// of the count and the last failure time, so every service instance agrees.
public struct LockoutPolicy: Sendable, Hashable {
    /// The highest allowed ``hardLockAfter`` (NIST SP 800-63B).
    public static let maxHardLockAfter = 100

    /// The consecutive failure that starts the backoff (≥ 1, ≤ ``hardLockAfter``).
    public let threshold: Int
    /// The first backoff, in seconds (≥ 1).
    public let baseDelay: Int64
    /// The longest backoff, in seconds (≥ ``baseDelay``).
    public let maxDelay: Int64
    /// Consecutive failures that lock the device until an operator unlocks it (1...100).
    public let hardLockAfter: Int

    /// 5 free failures, then 1 s doubling up to 15 min, hard lock at 100.
    public static let `default` = LockoutPolicy(uncheckedThreshold: 5, baseDelay: 1, maxDelay: 900, hardLockAfter: 100)

    /// Validates the settings; throws ``PolicyError/invalidLockout(_:fileID:line:)`` naming the broken rule.
    public init(threshold: Int, baseDelay: Int64, maxDelay: Int64, hardLockAfter: Int) throws(PolicyError) {
        guard (1...Self.maxHardLockAfter).contains(hardLockAfter) else { throw .invalidLockout("hardLockAfter must be 1...100") }
        guard (1...hardLockAfter).contains(threshold) else { throw .invalidLockout("threshold must be 1...hardLockAfter") }
        guard baseDelay >= 1 else { throw .invalidLockout("baseDelay must be at least 1 second") }
        guard maxDelay >= baseDelay else { throw .invalidLockout("maxDelay must be at least baseDelay") }
        self.init(uncheckedThreshold: threshold, baseDelay: baseDelay, maxDelay: maxDelay, hardLockAfter: hardLockAfter)
    }

    private init(uncheckedThreshold threshold: Int, baseDelay: Int64, maxDelay: Int64, hardLockAfter: Int) {
        self.threshold = threshold
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.hardLockAfter = hardLockAfter
    }

    /// The lock implied by `failures` consecutive failures, the last at `lastFailure` (Unix seconds).
    ///
    /// Arithmetic saturates at `Int64.max` instead of trapping, whatever the inputs.
    public func lockedUntil(failures: Int, lastFailure: Int64) -> LockoutStatus {
        if failures >= hardLockAfter { return .hardLocked }
        guard failures >= threshold else { return .open }
        let doublings = failures - threshold
        var delay = maxDelay
        if doublings < 63 {
            let (scaled, overflow) = baseDelay.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
            if !overflow { delay = min(scaled, maxDelay) }
        }
        let (until, overflow) = lastFailure.addingReportingOverflow(delay)
        return .lockedUntil(overflow ? .max : until)
    }

    /// The lock in force at `now` for `record`: ``LockoutStatus/open`` once a backoff has passed.
    public func status(of record: LockoutRecord, now: Int64) -> LockoutStatus {
        guard let lastFailure = record.lastFailure else { return .open }
        switch lockedUntil(failures: record.consecutiveFailures, lastFailure: lastFailure) {
        case .lockedUntil(let until) where until <= now: return .open
        case let status: return status
        }
    }
}

/// Whether a device may try to authenticate now.
public enum LockoutStatus: Sendable, Hashable {
    /// Not locked.
    case open
    /// In backoff until this Unix time (exclusive: open again at that second).
    case lockedUntil(Int64)
    /// Locked until an operator unlocks the device.
    case hardLocked

    /// The `locked_out` denial for a lock, or `nil` when open.
    public var denialReason: DenialReason? {
        switch self {
        case .open: nil
        case .lockedUntil(let until): .lockedOut(until: until)
        case .hardLocked: .lockedOut(until: nil)
        }
    }
}
