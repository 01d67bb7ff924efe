import CastellanAuth

/// TOTP throughput on one core, for `castellan bench auth` (target: ≥ 500k verifications/s).
///
/// Each verification is the full connect-path check with a ±1 window: parse the code, then
/// HMACs compared in constant time — one for an in-sync valid code (the common case, and the
/// target), three for a wrong code (reported too: it is what a guesser pays for). The replay
/// guard is not included: it is a store round trip.
enum TOTPBench {
    static func run() throws -> [(name: String, value: Double, unit: String)] {
        var results: [(name: String, value: Double, unit: String)] = []
        for algorithm in OTPAlgorithm.allCases {
            let totp = try TOTP(secret: TOTPSecret.generate(algorithm: algorithm), algorithm: algorithm)
            let times = (0..<1_024).map { Int64(1_700_000_000 + $0 * 7) }
            let valid = try times.map { try totp.code(at: $0) }
            let wrong = valid.map { String($0.reversed()) == $0 ? "000000" : String($0.reversed()) }

            let validRate = measure { index in totp.verify(valid[index & 1_023], at: times[index & 1_023], window: 1) }
            results.append(("totp verify \(algorithm) valid (window ±1)", validRate, "verifications/s"))
            if algorithm == .sha1 {
                let wrongRate = measure { index in totp.verify(wrong[index & 1_023], at: times[index & 1_023], window: 1) }
                results.append(("totp verify \(algorithm) wrong code (window ±1)", wrongRate, "verifications/s"))
                let codeRate = measure { index in totp.code(forStep: Int64(index)).isEmpty ? nil : 1 }
                results.append(("totp code \(algorithm)", codeRate, "codes/s"))
            }
        }
        return results
    }

    /// Runs `body` in batches until at least half a second has passed; returns calls per second.
    private static func measure(_ body: (Int) -> Int64?) -> Double {
        let clock = ContinuousClock()
        var sink: Int64 = 0
        for index in 0..<10_000 { sink &+= body(index) ?? 1 }  // warm-up
        var calls = 0
        let start = clock.now
        var elapsed = Duration.zero
        while elapsed < .milliseconds(500) {
            for index in calls..<(calls + 20_000) { sink &+= body(index) ?? 1 }
            calls += 20_000
            elapsed = start.duration(to: clock.now)
        }
        withExtendedLifetime(sink) {}
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Double(calls) / seconds
    }
}
