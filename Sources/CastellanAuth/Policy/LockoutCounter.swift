/// A device's consecutive-failure count and the time of the last failure.
public struct LockoutRecord: Sendable, Hashable, Codable {
    /// Failures since the last success or unlock.
    public var consecutiveFailures: Int
    /// Unix seconds of the last failure, `nil` if there was none.
    public var lastFailure: Int64?

    /// A record; the default is a device with no failures.
    public init(consecutiveFailures: Int = 0, lastFailure: Int64? = nil) {
        self.consecutiveFailures = consecutiveFailures
        self.lastFailure = lastFailure
    }
}

/// Counts consecutive authentication failures per device, shared by every session.
///
/// Counting per device (not per connection) is what makes parallel guessing pointless: all
/// sessions of all service instances add to one count. Each operation is atomic; the durable
/// implementation lives in the store (an atomic update), ``InMemoryLockoutCounter`` serves a
/// single process and the tests. The protocol is `async throws` for that store.
///
/// Callers check ``LockoutPolicy/status(of:now:)`` *before* verifying credentials and do not
/// verify (nor count) while locked, so ``recordSuccess(for:)`` never clears a hard lock:
/// only ``unlock(_:)`` does.
public protocol LockoutCounter: Sendable {
    /// Adds one failure at `unixTime` and returns the record after it, atomically.
    func recordFailure(for device: DeviceID, at unixTime: Int64) async throws -> LockoutRecord
    /// Resets the count after a successful authentication.
    func recordSuccess(for device: DeviceID) async throws
    /// The device's current record (an empty one if it never failed).
    func record(for device: DeviceID) async throws -> LockoutRecord
    /// Clears the count, lifting a hard lock (`castellan device unlock`).
    func unlock(_ device: DeviceID) async throws
}

/// A process-local ``LockoutCounter``: one actor, so every update is atomic.
///
/// Only devices with failures are kept; a success or unlock removes the entry.
public actor InMemoryLockoutCounter: LockoutCounter {
    private var records: [DeviceID: LockoutRecord] = [:]

    /// An empty counter.
    public init() {}

    /// Adds one failure and returns the new record; never throws.
    public func recordFailure(for device: DeviceID, at unixTime: Int64) -> LockoutRecord {
        var record = records[device] ?? LockoutRecord()
        // Saturate: the count only has to stay above hardLockAfter, never wrap.
        record.consecutiveFailures = record.consecutiveFailures == .max ? .max : record.consecutiveFailures + 1
        // A clock stepping backwards (or an out-of-order report) must not shorten a running lock.
        record.lastFailure = max(record.lastFailure ?? unixTime, unixTime)
        records[device] = record
        return record
    }

    /// Forgets the device's failures.
    public func recordSuccess(for device: DeviceID) { records[device] = nil }

    /// The device's record, empty if it has no failures.
    public func record(for device: DeviceID) -> LockoutRecord { records[device] ?? LockoutRecord() }

    /// Forgets the device's failures, lifting any lock.
    public func unlock(_ device: DeviceID) { records[device] = nil }
}
