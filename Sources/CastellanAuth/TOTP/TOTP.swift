/// Time-based one-time passwords (RFC 6238): HOTP over the number of periods since T0.
///
/// ``verify(_:at:window:)`` returns the matched time step rather than a Bool so the caller
/// can hand it to a ``TOTPReplayGuard``: a code is single-use only once its step is recorded.
/// Times are Unix seconds passed in by the caller, so every result is deterministic.
public struct TOTP: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Accepted period lengths in seconds: long enough for any clock, short enough that a
    /// code does not live for more than five minutes.
    public static let periodRange = 1...300

    /// The shared key.
    public let secret: TOTPSecret
    /// The seconds each code is valid for (RFC 6238 "X").
    public let period: Int
    /// The Unix time at which step 0 starts (RFC 6238 "T0").
    public let t0: Int64

    private let hotp: HOTP

    /// The HMAC hash.
    public var algorithm: OTPAlgorithm { hotp.algorithm }
    /// The number of decimal digits in a code.
    public var digits: Int { hotp.digits }

    /// Builds a generator/verifier; throws for digits outside 6...8 or a period outside
    /// ``periodRange``. The secret's 160-bit minimum is already guaranteed by ``TOTPSecret``.
    public init(secret: TOTPSecret, algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30, t0: Int64 = 0) throws(OTPError) {
        guard Self.periodRange.contains(period) else { throw .invalidPeriod(period) }
        self.hotp = try HOTP(secret: secret, algorithm: algorithm, digits: digits)
        self.secret = secret
        self.period = period
        self.t0 = t0
    }

    /// The time step containing `unixTime`, or `nil` before T0 (or if `unixTime - t0` overflows).
    public func step(at unixTime: Int64) -> Int64? {
        let (elapsed, overflow) = unixTime.subtractingReportingOverflow(t0)
        guard !overflow, elapsed >= 0 else { return nil }
        return elapsed / Int64(period)
    }

    /// The code valid at `unixTime`; throws ``OTPError/timeBeforeT0(fileID:line:)`` when that has no step.
    public func code(at unixTime: Int64) throws(OTPError) -> String {
        guard let step = step(at: unixTime) else { throw .timeBeforeT0() }
        return code(forStep: step)
    }

    /// The code for a time step (a non-negative step is a valid HOTP counter).
    public func code(forStep step: Int64) -> String {
        hotp.code(counter: UInt64(bitPattern: step))
    }

    /// Checks `code` against the steps around `unixTime` and returns the step it matches.
    ///
    /// - `window` is clamped to 0...1: RFC 6238 §5.2 recommends at most one step of drift, and
    ///   anything wider only helps an attacker. With 1 the previous, current and next steps count.
    /// - A code that is not exactly ``digits`` ASCII digits is refused before any MAC is computed
    ///   (its length is not a secret).
    /// - Every candidate step is computed and compared in constant time, with no early exit,
    ///   so the timing does not reveal which step matched.
    /// - If two steps happen to share a code, the current step wins, then the previous, then
    ///   the next: the step the device most likely used.
    /// - Returns `nil` when nothing matches or `unixTime` has no step. Replay is the caller's
    ///   job: pass the returned step to ``TOTPReplayGuard/accept(step:for:)``.
    public func verify(_ code: String, at unixTime: Int64, window: Int = 1) -> Int64? {
        let presented = Array(code.utf8)
        guard presented.count == digits,
              presented.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let current = step(at: unixTime)
        else { return nil }

        let drift: Int64 = window >= 1 ? 1 : 0
        var matched: Int64?
        for offset in drift == 0 ? [0] : [0, -1, 1] as [Int64] {
            let (candidate, overflow) = current.addingReportingOverflow(offset)
            guard !overflow, candidate >= 0 else { continue }
            let expected = hotp.codeBytes(counter: UInt64(bitPattern: candidate))
            if ConstantTime.equal(expected, presented), matched == nil { matched = candidate }
        }
        return matched
    }

    public var description: String { "TOTP(\(algorithm), \(digits) digits, \(period) s, T0 \(t0))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["algorithm": algorithm, "digits": digits, "period": period, "t0": t0])
    }
}
