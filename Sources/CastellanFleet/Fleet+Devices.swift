import CastellanAuth
import CastellanStore

extension Fleet {
    /// A device to add, checked before anything is opened.
    public struct NewDevice: Sendable, Hashable {
        public let id: DeviceID
        public let policy: AuthFactors
        public let groups: [DeviceGroup]
        /// The one client id it must connect with, or `nil` to follow `client_id_binding`.
        public let clientID: BoundClientID?

        /// Parses the policy name (usage error if unknown), the id, the groups and the client id
        /// (invalid if they break their rules), in that order.
        public init(id: String, policy: String, groups: [String], clientID: String? = nil) throws(FleetError) {
            do { self.policy = try AuthFactors(parsing: policy) } catch { throw .usage(error.description) }
            self.id = try Fleet.deviceID(id)
            var parsed: [DeviceGroup] = []
            for group in groups { parsed.append(try Fleet.group(group)) }
            self.groups = parsed
            self.clientID = try clientID.map { text throws(FleetError) in try Fleet.clientID(text) }
        }
    }

    /// A bound client id obeying ``BoundClientID/rule``; refused (``FleetError/Kind/invalid``) otherwise.
    public static func clientID(_ text: String) throws(FleetError) -> BoundClientID {
        do { return try BoundClientID(text) } catch { throw .invalid(error.description) }
    }

    /// Adds the device, enabled, created now; ``FleetError/Kind/conflict`` if the id exists, or
    /// if it or its client id is another device's client id (``StoreError/clientIDTaken(_:owner:fileID:line:)``).
    @discardableResult
    public func addDevice(_ device: NewDevice) async throws -> DeviceRecord {
        let record = DeviceRecord(id: device.id, policy: device.policy, groups: device.groups, created: now(), clientID: device.clientID)
        do {
            try await store.addDevice(record)
        } catch let error as StoreError where error == .deviceExists(device.id.rawValue) || error.isClientIDTaken {
            throw FleetError.conflict(error.description)
        }
        return record
    }

    /// Binds the device to one client id — it must then connect with exactly that one, whatever
    /// `client_id_binding` says — or (`nil`) lets it follow `client_id_binding` again; services
    /// following the store close its sessions whose client id no longer fits. Returns it as it
    /// is now. ``FleetError/Kind/notFound`` for an unknown device; ``FleetError/Kind/conflict``
    /// if the client id is another device's id or bound client id.
    @discardableResult
    public func setClientID(_ clientID: BoundClientID?, device: DeviceID) async throws -> DeviceSummary {
        do {
            try await notFoundIfUnknown(device) { try await store.setClientID(clientID, device: device) }
        } catch let error as StoreError where error.isClientIDTaken {
            throw FleetError.conflict(error.description)
        }
        return DeviceSummary(try await requireDevice(device))
    }

    /// Every device, as listed.
    public func devices() async throws -> [DeviceSummary] {
        let legacy = try await store.legacyCredentials()
        return try await store.devices().map { DeviceSummary($0, legacyCredential: legacy[$0.id]?.schemeName) }
    }

    /// The device, its credentials (never the secrets), rules and certificates.
    public func details(_ device: DeviceID) async throws -> DeviceDetails {
        let record = try await requireDevice(device)
        return DeviceDetails(
            device: DeviceSummary(record, legacyCredential: try await store.legacyCredential(device: device)?.schemeName),
            scram: try await store.scramCredential(device: device).map { .init(mechanism: $0.mechanism.name, iterations: $0.iterations) },
            totp: try await store.totpEnrolment(device: device).map {
                .init(algorithm: $0.totp.algorithm.name, digits: $0.totp.digits, period: $0.totp.period, lastAcceptedStep: $0.lastAcceptedStep)
            },
            lockoutFailures: try await store.record(for: device).consecutiveFailures,
            rules: try await store.rules(scope: .device(device)).map(RuleSummary.init),
            certificates: try await store.certificates(device: device).map(CertificateSummary.init))
    }

    /// Enables or disables the device (disabling refuses its connects and kicks its sessions);
    /// returns it as it is now. ``FleetError/Kind/notFound`` for an unknown device.
    @discardableResult
    public func setEnabled(_ enabled: Bool, device: DeviceID) async throws -> DeviceSummary {
        do {
            try await store.setEnabled(enabled, device: device)
        } catch let error as StoreError where error == .unknownDevice(device.rawValue) {
            throw FleetError.notFound(error.description)
        }
        return DeviceSummary(try await requireDevice(device))
    }

    /// Sets the device's policy — say from `password` to `scram` once its password is stored as
    /// SCRAM keys; services following the store close sessions that used the old factors.
    /// ``FleetError/Kind/notFound`` for an unknown device.
    @discardableResult
    public func setPolicy(_ policy: AuthFactors, device: DeviceID) async throws -> DeviceSummary {
        try await notFoundIfUnknown(device) { try await store.setPolicy(policy, device: device) }
        return DeviceSummary(try await requireDevice(device))
    }

    /// Removes the device with its credentials and rules, and revokes its certificates
    /// (`cessationOfOperation`); services following the store close its sessions.
    /// ``FleetError/Kind/notFound`` for an unknown device.
    public func removeDevice(_ device: DeviceID) async throws {
        try await notFoundIfUnknown(device) { try await store.removeDevice(device) }
    }

    /// Clears the device's failure counts, lifting a lockout. ``FleetError/Kind/notFound`` for an
    /// unknown device.
    public func unlock(_ device: DeviceID) async throws {
        _ = try await requireDevice(device)
        try await store.unlock(device)
    }
}
