/// A failure count and the time of the last failure: of one source address for one device, or
/// the device's total over every source.
public struct LockoutRecord: Sendable, Hashable, Codable {
    /// For one source: failures since its last success or the last unlock. For a device's
    /// total: failures from every source since the last unlock (a success does not reset it:
    /// one address proving the credential says nothing about guesses from the others).
    public var consecutiveFailures: Int
    /// Unix seconds of the last failure, `nil` if there was none.
    public var lastFailure: Int64?

    /// A record; the default is a device with no failures.
    public init(consecutiveFailures: Int = 0, lastFailure: Int64? = nil) {
        self.consecutiveFailures = consecutiveFailures
        self.lastFailure = lastFailure
    }
}

/// Counts authentication failures per (device, source address), and per device in total,
/// shared by every session.
///
/// Counting per source is what keeps the lockout from being a weapon: failures from an
/// attacker's address lock that address out of that device, never the device's own address.
/// The per-device total (see ``LockoutPolicy/status(source:deviceFailures:now:)``) bounds what
/// many addresses together can try. Sources are keys from ``LockoutPolicy/source(of:)``.
///
/// Each operation is atomic; the durable implementation lives in the store, and
/// ``InMemoryLockoutCounter`` serves a single process and the tests. The protocol is
/// `async throws` for that store. Callers check the status *before* verifying credentials and
/// neither verify nor count while locked, so ``recordSuccess(for:from:)`` never clears a hard
/// lock: only ``unlock(_:)`` does.
public protocol LockoutCounter: Sendable {
    /// Adds one failure from `source` at `unixTime`, to that source's record and to the device's
    /// total, atomically; returns the source's record after it.
    func recordFailure(for device: DeviceID, from source: String, at unixTime: Int64) async throws -> LockoutRecord
    /// Forgets the failures from `source` after it authenticated; the device's total stays.
    func recordSuccess(for device: DeviceID, from source: String) async throws
    /// The device's total over every source (an empty record if it never failed).
    func record(for device: DeviceID) async throws -> LockoutRecord
    /// The failures from one source (an empty record if it never failed).
    func record(for device: DeviceID, from source: String) async throws -> LockoutRecord
    /// Clears every count of the device, lifting every lock (`castellan device unlock`).
    func unlock(_ device: DeviceID) async throws
    /// Applies `changes` in order, all or none where the store has transactions: one commit
    /// for a batch, where one per change would cost a commit (and the connect path's next read
    /// a fresh look at the file) for every wrong password.
    func apply(_ changes: [LockoutChange]) async throws
}

/// One failure or success, as ``LockoutCounter/apply(_:)`` writes it.
public enum LockoutChange: Sendable, Hashable {
    /// ``LockoutCounter/recordFailure(for:from:at:)``.
    case failure(DeviceID, source: String, at: Int64)
    /// ``LockoutCounter/recordSuccess(for:from:)``.
    case success(DeviceID, source: String)
}

extension LockoutCounter {
    /// One change after the other (a counter without transactions).
    public func apply(_ changes: [LockoutChange]) async throws {
        for change in changes {
            switch change {
            case .failure(let device, let source, let time): _ = try await recordFailure(for: device, from: source, at: time)
            case .success(let device, let source): try await recordSuccess(for: device, from: source)
            }
        }
    }
}

/// A process-local ``LockoutCounter``: one actor, so every update is atomic.
///
/// Only devices and sources with failures are kept; an unlock removes them.
public actor InMemoryLockoutCounter: LockoutCounter {
    private var totals: [DeviceID: LockoutRecord] = [:]
    private var sources: [DeviceID: [String: LockoutRecord]] = [:]

    /// An empty counter.
    public init() {}

    /// Adds one failure and returns the source's new record; never throws.
    public func recordFailure(for device: DeviceID, from source: String, at unixTime: Int64) -> LockoutRecord {
        totals[device] = Self.adding(unixTime, to: totals[device] ?? LockoutRecord())
        let record = Self.adding(unixTime, to: sources[device]?[source] ?? LockoutRecord())
        sources[device, default: [:]][source] = record
        return record
    }

    /// Forgets the failures from `source`.
    public func recordSuccess(for device: DeviceID, from source: String) { sources[device]?[source] = nil }

    /// The device's total, empty if it has no failures.
    public func record(for device: DeviceID) -> LockoutRecord { totals[device] ?? LockoutRecord() }

    /// The source's record, empty if it has no failures.
    public func record(for device: DeviceID, from source: String) -> LockoutRecord {
        sources[device]?[source] ?? LockoutRecord()
    }

    /// Forgets the device's failures, lifting any lock.
    public func unlock(_ device: DeviceID) {
        totals[device] = nil
        sources[device] = nil
    }

    private static func adding(_ unixTime: Int64, to record: LockoutRecord) -> LockoutRecord {
        var record = record
        // Saturate: the count only has to stay above hardLockAfter, never wrap.
        record.consecutiveFailures = record.consecutiveFailures == .max ? .max : record.consecutiveFailures + 1
        // A clock stepping backwards (or an out-of-order report) must not shorten a running lock.
        record.lastFailure = max(record.lastFailure ?? unixTime, unixTime)
        return record
    }
}
