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
    /// - Steps are tried current, previous, next — the order of likelihood, which also decides
    ///   if two steps happen to share a code. Each comparison is constant-time. A wrong code
    ///   always costs all the steps of the window; only a *correct* code stops early, so the
    ///   timing can reveal which step a correct code belonged to, never how close a wrong one
    ///   came. (That early stop triples the throughput of the common, in-sync case.)
    /// - Returns `nil` when nothing matches or `unixTime` has no step. Replay is the caller's
    ///   job: pass the returned step to ``TOTPReplayGuard/accept(step:for:)``.
    public func verify(_ code: String, at unixTime: Int64, window: Int = 1) -> Int64? {
        guard let presented = hotp.parse(code), let current = step(at: unixTime) else { return nil }
        var candidates = [current]
        if window >= 1 {
            for (neighbour, overflow) in [current.subtractingReportingOverflow(1), current.addingReportingOverflow(1)]
            where !overflow && neighbour >= 0 {
                candidates.append(neighbour)
            }
        }
        return candidates.first { matches(presented, step: $0) }
    }

    /// Compares the presented code with the step's code through ``ConstantTime/equal(_:_:)``.
    private func matches(_ presented: UInt32, step: Int64) -> Bool {
        let expected = hotp.value(counter: UInt64(bitPattern: step))
        return withUnsafeBytes(of: expected) { expected in
            withUnsafeBytes(of: presented) { presented in ConstantTime.equal(expected, presented) }
        }
    }

    public var description: String { "TOTP(\(algorithm), \(digits) digits, \(period) s, T0 \(t0))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["algorithm": algorithm, "digits": digits, "period": period, "t0": t0])
    }
}
