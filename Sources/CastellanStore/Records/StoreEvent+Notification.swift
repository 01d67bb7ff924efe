import CastellanAuth

extension StoreEvent {
    /// The event as a NOTIFY payload: a kind word and its fields, separated by tabs.
    ///
    /// Tabs are safe separators: device ids and group names refuse every control character,
    /// and serials are hex. Far below PostgreSQL's 8000-byte payload limit (ids ≤ 128 bytes).
    var notificationPayload: String {
        switch self {
        case .deviceDisabled(let id): "disabled\t\(id.rawValue)"
        case .deviceEnabled(let id): "enabled\t\(id.rawValue)"
        case .deviceRemoved(let id): "removed\t\(id.rawValue)"
        case .certificateRevoked(let serial, let id): "revoked\t\(serial)\t\(id.rawValue)"
        case .rulesChanged(.device(let id)): "rules-device\t\(id.rawValue)"
        case .rulesChanged(.group(let group)): "rules-group\t\(group.rawValue)"
        case .credentialsChanged(let id): "credentials\t\(id.rawValue)"
        }
    }

    /// Parses a payload written by ``notificationPayload``; `nil` for anything else.
    init?(notificationPayload payload: String) {
        let fields = payload.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 2 else { return nil }
        func device(_ text: String) -> DeviceID? { try? DeviceID(text) }
        switch (fields[0], fields.count) {
        case ("disabled", 2): guard let id = device(fields[1]) else { return nil }; self = .deviceDisabled(id)
        case ("enabled", 2): guard let id = device(fields[1]) else { return nil }; self = .deviceEnabled(id)
        case ("removed", 2): guard let id = device(fields[1]) else { return nil }; self = .deviceRemoved(id)
        case ("revoked", 3):
            guard !fields[1].isEmpty, let id = device(fields[2]) else { return nil }
            self = .certificateRevoked(serial: fields[1], device: id)
        case ("rules-device", 2): guard let id = device(fields[1]) else { return nil }; self = .rulesChanged(.device(id))
        case ("rules-group", 2):
            guard let group = try? DeviceGroup(fields[1]) else { return nil }
            self = .rulesChanged(.group(group))
        case ("credentials", 2): guard let id = device(fields[1]) else { return nil }; self = .credentialsChanged(id)
        default: return nil
        }
    }
}
