import CastellanAuth
import CastellanStore

extension Fleet {
    /// A password to set, checked before anything is opened.
    public struct NewPassword: Sendable {
        public let password: String
        public let mechanism: SCRAMMechanism
        public let iterations: Int

        /// Parses the mechanism (SCRAM-SHA-256 or -512; usage error otherwise) and the iteration
        /// count (a whole number, usage error; below the minimum, invalid).
        public init(password: String, mechanism: String = SCRAMMechanism.sha256.name,
                    iterations: String = "\(SCRAMCredential.defaultIterations)") throws(FleetError) {
            guard let parsed = SCRAMMechanism(name: mechanism), !parsed.usesChannelBinding else {
                throw .usage("mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512")
            }
            guard iterations.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(iterations) else {
                throw .usage("iterations must be a whole number")
            }
            guard count >= SCRAMCredential.minimumIterations else {
                throw .invalid("iterations \(count) is weaker than the minimum of \(SCRAMCredential.minimumIterations)")
            }
            self.password = password
            self.mechanism = parsed
            self.iterations = count
        }
    }

    /// Sets the device's one password (stored as SCRAM keys only). Services following the
    /// store close the sessions that authenticated with the old one.
    ///
    /// ``FleetError/Kind/notFound`` for an unknown device, ``FleetError/Kind/conflict`` if its
    /// policy uses no password, ``FleetError/Kind/invalid`` for a password SCRAM refuses.
    public func setPassword(_ new: NewPassword, device: DeviceID) async throws {
        let record = try await requireDevice(device)
        guard record.policy.usesSCRAM || record.policy.usesPassword else {
            throw FleetError.conflict("device \(device) has policy \(record.policy), which uses no password")
        }
        let credential: SCRAMCredential
        do {
            credential = try SCRAMCredential.generate(
                password: new.password, mechanism: new.mechanism, iterations: new.iterations, entropy: entropy)
        } catch {
            throw FleetError.invalid("password refused: \(error)")
        }
        try await notFoundIfUnknown(device) { try await store.setSCRAMCredential(credential, device: device) }
    }

    /// Removes the device's TOTP enrolment; services following the store close the sessions
    /// that used it. ``FleetError/Kind/notFound`` for an unknown device or one without TOTP.
    public func removeTOTP(_ device: DeviceID) async throws {
        guard try await store.totpEnrolment(device: try await requireDevice(device).id) != nil else {
            throw FleetError.notFound("device \(device) has no TOTP enrolment")
        }
        try await notFoundIfUnknown(device) { try await store.removeTOTP(device: device) }
    }

    /// Runs a store write, turning the store's unknown-device refusal (a concurrent removal) into
    /// ``FleetError/Kind/notFound``.
    func notFoundIfUnknown<T>(_ device: DeviceID, _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as StoreError where error == .unknownDevice(device.rawValue) {
            throw FleetError.notFound(error.description)
        }
    }
}
