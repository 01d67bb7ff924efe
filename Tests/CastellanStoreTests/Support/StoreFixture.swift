@testable import CastellanStore
import SupervisionTesting
import CastellanAuth
import Foundation

/// A real SQLite store in a temporary folder, with a fresh master key.
struct StoreFixture {
    let directory = TemporaryDirectory()
    let key: MasterKey
    let store: SQLiteStore

    init(clock: @escaping @Sendable () -> Int64 = { 1_700_000_000 }) throws {
        key = try MasterKey.generate()
        store = try SQLiteStore(path: directory.file("castellan.db"), masterKey: key, clock: clock)
    }

    var databasePath: String { directory.file("castellan.db") }

    /// Adds a device with `policy` (and optional groups).
    @discardableResult
    func addDevice(_ id: String, policy: AuthFactors = .scram, groups: [String] = []) async throws -> DeviceID {
        let device = try DeviceID(id)
        try await store.addDevice(DeviceRecord(
            id: device, policy: policy, groups: try groups.map { try DeviceGroup($0) }, created: 1_700_000_000))
        return device
    }
}

/// A TOTP with a fresh secret.
func makeTOTP(_ algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30) throws -> TOTP {
    try TOTP(secret: TOTPSecret.generate(algorithm: algorithm), algorithm: algorithm, digits: digits, period: period)
}
