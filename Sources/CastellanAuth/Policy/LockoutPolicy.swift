/// When authentication failures lock a source address out of a device.
///
/// Failures are counted per (device, source address) — see ``source(of:)`` — by a
/// ``LockoutCounter``, across sessions and service instances. For one source: the first
/// `threshold - 1` consecutive failures cost nothing (typos happen); from the `threshold`-th on,
/// that source is refused for that device, without its credentials being checked, for
/// `baseDelay · 2^(failures − threshold)` seconds after its last failure, capped at `maxDelay`;
/// at `hardLockAfter` consecutive failures it is refused until an operator runs
/// `castellan device unlock` (NIST SP 800-63B §5.2.2 allows at most 100). A success from the
/// source resets its count. Other sources are never refused because of it: a device presenting
/// its valid credential from its own address still connects.
///
/// Many addresses together: once the device's total (failures from every source since the last
/// unlock) reaches `hardLockAfter`, every source that fails once more is hard-locked at its
/// first failure, while a source without failures is still checked (so the real device still
/// connects). An attacker therefore gets at most `hardLockAfter` guesses plus one per distinct
/// source (IPv6 counted per /64) until an operator unlocks the device; one address alone gets
/// ``maxFailuresFromOneSource(within:)`` — with the defaults 17 in the first hour, then 4 an
/// hour, 100 in all.
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

    /// The lock in force at `now` for attempts from one source: its own backoff, or a hard lock
    /// when the device's total has reached ``hardLockAfter`` and this source has failed too.
    public func status(source: LockoutRecord, deviceFailures: Int, now: Int64) -> LockoutStatus {
        if deviceFailures >= hardLockAfter, source.consecutiveFailures > 0 { return .hardLocked }
        return status(of: source, now: now)
    }

    /// The most failures one source can have within `seconds` of its first, retrying the
    /// moment each backoff ends (and never succeeding): the brute-force bound per address.
    public func maxFailuresFromOneSource(within seconds: Int64) -> Int {
        var failures = 0
        var time: Int64 = 0
        while time < seconds {
            failures += 1
            switch lockedUntil(failures: failures, lastFailure: time) {
            case .hardLocked: return failures
            case .open: break
            case .lockedUntil(let until): time = until
            }
        }
        return failures
    }

    /// The key failures from `address` are counted under: an IPv4 address in dotted form, an
    /// IPv6 address as its /64 prefix (one host usually holds a whole /64, so counting single
    /// IPv6 addresses would give it 2^64 sources), anything else as its literal text.
    public static func source(of address: String) -> String {
        IPAddress(parsing: address)?.lockoutSource ?? String(address.prefix(64))
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
