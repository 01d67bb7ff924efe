import CastellanAuth

/// Why a store operation was refused or failed.
///
/// A struct over a private code so cases can be added without breaking callers; equal by code,
/// not by where it was raised. Messages name devices, rule ids and serials, never a secret,
/// a key or a password.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case unknownDevice(String)
        case deviceExists(String)
        case unknownRule(Int64)
        case unknownCertificate(String)
        case certificateExists(String)
        case schemaTooNew(String)
        case invalidStoreURL(String)
        case sealedSecretRejected(String)
        case corruptRecord(String)
        case masterKey(String)
        case invalidGroup(String)
        case backend(String)
        case noStore(String)
        case wrongMasterKey(String?)
        case clientIDTaken(String, owner: String)
    }

    private let code: Code
    /// Where it was raised, for debugging; not part of equality.
    public let origin: ErrorOrigin

    /// No device has this id.
    public static func unknownDevice(_ id: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unknownDevice(id), origin: ErrorOrigin(fileID, line))
    }

    /// A device with this id already exists.
    public static func deviceExists(_ id: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .deviceExists(id), origin: ErrorOrigin(fileID, line))
    }

    /// No ACL rule has this id.
    public static func unknownRule(_ id: Int64, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unknownRule(id), origin: ErrorOrigin(fileID, line))
    }

    /// No certificate has this serial number.
    public static func unknownCertificate(_ serial: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unknownCertificate(serial), origin: ErrorOrigin(fileID, line))
    }

    /// A certificate with this serial number or fingerprint is already recorded.
    public static func certificateExists(_ serial: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .certificateExists(serial), origin: ErrorOrigin(fileID, line))
    }

    /// The database was migrated by a newer Castellan; this build refuses to touch it.
    public static func schemaTooNew(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .schemaTooNew(detail), origin: ErrorOrigin(fileID, line))
    }

    /// A store URL that is neither `sqlite:PATH` nor `postgres://…`.
    public static func invalidStoreURL(_ why: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidStoreURL(why), origin: ErrorOrigin(fileID, line))
    }

    /// A sealed secret failed authentication: tampered, or sealed under another master key.
    public static func sealedSecretRejected(_ device: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .sealedSecretRejected(device), origin: ErrorOrigin(fileID, line))
    }

    /// A stored row that cannot be a valid record (hand-edited or corrupt).
    public static func corruptRecord(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .corruptRecord(what), origin: ErrorOrigin(fileID, line))
    }

    /// The master key file is missing, has the wrong size or is readable by others.
    public static func masterKey(_ why: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .masterKey(why), origin: ErrorOrigin(fileID, line))
    }

    /// A group name that breaks the identity character rules.
    public static func invalidGroup(_ why: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidGroup(why), origin: ErrorOrigin(fileID, line))
    }

    /// The database could not be reached or failed a statement (PostgreSQL): the message names
    /// the server's error and SQLSTATE, never a bound value.
    public static func backend(_ why: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .backend(why), origin: ErrorOrigin(fileID, line))
    }

    /// There is no Castellan store at this location; only `castellan init` creates one.
    public static func noStore(_ location: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .noStore(location), origin: ErrorOrigin(fileID, line))
    }

    /// The master key (read from `file`, if known) is not the store's: its key check value differs.
    public static func wrongMasterKey(_ file: String? = nil, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .wrongMasterKey(file), origin: ErrorOrigin(fileID, line))
    }

    /// The client id is another device's — its id or its bound client id — so binding it (or
    /// adding a device with it as its id) would let one device take over the other's sessions.
    public static func clientIDTaken(_ clientID: String, owner: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .clientIDTaken(clientID, owner: owner), origin: ErrorOrigin(fileID, line))
    }

    /// Whether this is a ``clientIDTaken(_:owner:fileID:line:)`` refusal, whichever client id.
    public var isClientIDTaken: Bool {
        if case .clientIDTaken = code { true } else { false }
    }

    public var description: String {
        switch code {
        case .unknownDevice(let id): "unknown device '\(id)'"
        case .deviceExists(let id): "device '\(id)' already exists"
        case .unknownRule(let id): "unknown ACL rule \(id)"
        case .unknownCertificate(let serial): "unknown certificate serial \(serial)"
        case .certificateExists(let serial): "certificate \(serial) is already recorded"
        case .schemaTooNew(let detail):
            "the database schema is newer than this build of castellan knows (\(detail)); upgrade castellan"
        case .invalidStoreURL(let why): "invalid store URL: \(why)"
        case .sealedSecretRejected(let device):
            "sealed TOTP secret of device '\(device)' failed authentication (tampered, or sealed under another master key)"
        case .corruptRecord(let what): "corrupt record: \(what)"
        case .masterKey(let why): "master key: \(why)"
        case .invalidGroup(let why): "invalid group: \(why)"
        case .backend(let why): "database: \(why)"
        case .clientIDTaken(let clientID, let owner):
            "client id '\(clientID)' belongs to device '\(owner)' (its id or its bound client id): "
                + "a device bound to it could take over that device's sessions"
        case .noStore(let location): "no Castellan store at \(location): create one with `castellan init` (is the path right?)"
        case .wrongMasterKey(let file):
            "the master key\(file.map { " in \($0)" } ?? "") does not belong to this store (its key check differs): "
                + "use the master key file of the setup that created the store (castellan init --master-key FILE for another setup)"
        }
    }
}
