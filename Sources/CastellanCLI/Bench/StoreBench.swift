import CastellanAuth
@_spi(Bench) import CastellanStore
import Foundation

/// The per-connect store read with a large fleet, for `castellan bench store`.
///
/// Seeds N devices in bulk (one transaction), then times ``CredentialStore/connectProfile(device:)``
/// — device, SCRAM credential, opened TOTP enrolment and effective rules — for random devices,
/// one call at a time as the connect path makes them; and, for comparison, the same data read
/// by four separate calls. Targets (issue): p99 ≤ 200 µs on SQLite, ≤ 1 ms on local PostgreSQL,
/// with 1,000,000 devices.
enum StoreBench {
    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    struct Result: Sendable {
        var seedSeconds: Double?
        var profileP50: Duration
        var profileP99: Duration
        var separateP50: Duration
        var separateP99: Duration
    }

    /// Opens the store, seeds it (unless `seed` is false), and measures.
    static func run(store: any CredentialStore, devices: Int, samples: Int, seed: Bool) async throws -> Result {
        var seedSeconds: Double?
        if seed {
            let fleet = FleetSeed(
                devices: devices,
                scram: try SCRAMCredential.generate(password: "bench", mechanism: .sha256, iterations: 4096, entropy: SystemEntropy()),
                totp: try TOTP(secret: TOTPSecret.generate(algorithm: .sha1)), created: 1_700_000_000)
            let clock = ContinuousClock()
            let start = clock.now
            switch store {
            case let sqlite as SQLiteStore: try await sqlite.seed(fleet)
            case let postgres as PostgresStore: try await postgres.seed(fleet)
            default: preconditionFailure("unknown backend")
            }
            seedSeconds = start.duration(to: clock.now).seconds
        }
        var random = SystemRandomNumberGenerator()
        let ids = try (0..<samples).map { _ in try DeviceID(FleetSeed.deviceID(Int.random(in: 0..<devices, using: &random))) }

        // Warm-up: connections, statement caches, pages.
        for id in ids.prefix(min(2_000, samples)) { _ = try await store.connectProfile(device: id) }
        let profile = try await timings(ids) { id in
            guard try await store.connectProfile(device: id) != nil else { throw BenchFailure(id: id) }
        }
        let separate = try await timings(ids) { id in
            guard try await store.device(id) != nil else { throw BenchFailure(id: id) }
            _ = try await store.scramCredential(device: id)
            _ = try await store.totpEnrolment(device: id)
            _ = try await store.effectiveRules(device: id)
        }
        return Result(
            seedSeconds: seedSeconds, profileP50: profile.percentile(0.50), profileP99: profile.percentile(0.99),
            separateP50: separate.percentile(0.50), separateP99: separate.percentile(0.99))
    }

    struct BenchFailure: Error, CustomStringConvertible {
        let id: DeviceID
        var description: String { "device \(id) is missing: seed the store with at least --devices devices" }
    }

    /// Each call's duration, sorted.
    private static func timings(_ ids: [DeviceID], _ body: (DeviceID) async throws -> Void) async throws -> [Duration] {
        let clock = ContinuousClock()
        var durations: [Duration] = []
        durations.reserveCapacity(ids.count)
        for id in ids {
            let start = clock.now
            try await body(id)
            durations.append(start.duration(to: clock.now))
        }
        return durations.sorted()
    }
}

extension Array where Element == Duration {
    /// The value at quantile `q` of a sorted array (nearest rank).
    func percentile(_ q: Double) -> Duration {
        guard !isEmpty else { return .zero }
        let rank = Int((q * Double(count)).rounded(.up)) - 1
        return self[Swift.max(0, Swift.min(count - 1, rank))]
    }
}
