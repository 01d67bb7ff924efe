import CastellanAuth

/// Where devices, credentials, rules, certificates and the audit trail live.
///
/// One protocol for both backends — ``SQLiteStore`` and ``PostgresStore`` — chosen by
/// ``StoreURL`` through ``StoreOpener``. Every method is `async throws`: a backend may sit
/// across a network, and only infrastructure failures and refusals throw (``StoreError``).
/// Every write is one transaction — a refused or failed call changes nothing. A store is also
/// the durable, shared ``TOTPReplayGuard`` (an atomic compare-and-set per device) and
/// ``LockoutCounter`` (an atomic increment per device and source address): atomic across tasks, processes and,
/// with PostgreSQL, every service instance on the same database.
public protocol CredentialStore: TOTPReplayGuard, LockoutCounter {
    // MARK: Devices

    /// Adds a device; throws ``StoreError/deviceExists(_:fileID:line:)`` if the id is taken, and
    /// ``StoreError/clientIDTaken(_:owner:fileID:line:)`` if its id is another device's bound
    /// client id or its bound client id is another device's.
    func addDevice(_ device: DeviceRecord) async throws
    /// The device, or `nil`.
    func device(_ id: DeviceID) async throws -> DeviceRecord?
    /// Every device, sorted by id.
    func devices() async throws -> [DeviceRecord]
    /// Enables or disables a device; emits ``StoreEvent/deviceDisabled(_:)`` or ``StoreEvent/deviceEnabled(_:)``.
    func setEnabled(_ enabled: Bool, device: DeviceID) async throws
    /// Removes the device with its credentials, rules and lockout count, and revokes its
    /// unrevoked certificates (reason `cessationOfOperation`); emits ``StoreEvent/deviceRemoved(_:)``.
    func removeDevice(_ id: DeviceID) async throws

    /// Sets the device's policy; emits ``StoreEvent/policyChanged(_:)`` when it changed.
    func setPolicy(_ policy: AuthFactors, device: DeviceID) async throws

    /// Binds the device to one client id, or (`nil`) lets it follow the global binding again;
    /// emits ``StoreEvent/clientIDChanged(_:)`` when it changed. Throws
    /// ``StoreError/clientIDTaken(_:owner:fileID:line:)`` if the client id is another device's
    /// id or bound client id.
    func setClientID(_ clientID: BoundClientID?, device: DeviceID) async throws

    /// Replaces the device's group memberships; emits ``StoreEvent/groupsChanged(_:)`` when they changed.
    func setGroups(_ groups: [DeviceGroup], device: DeviceID) async throws

    // MARK: Connect path

    /// The device with its SCRAM credential, opened TOTP enrolment, effective rules and lockout
    /// counts — its total and, when `source` is given, that source's — read as one snapshot in
    /// one call (the per-connect read); `nil` for an unknown device. Throws
    /// ``StoreError/sealedSecretRejected(_:fileID:line:)`` if the TOTP secret was tampered with.
    func connectProfile(device: DeviceID, source: String?) async throws -> ConnectProfile?

    // MARK: Credentials

    /// Sets (replaces) the device's one SCRAM credential, dropping an imported hash it still had.
    func setSCRAMCredential(_ credential: SCRAMCredential, device: DeviceID) async throws
    /// The device's SCRAM credential, or `nil`.
    func scramCredential(device: DeviceID) async throws -> SCRAMCredential?
    /// Enrols (replaces) the device's TOTP credential, sealing the secret; the step history starts over.
    func setTOTP(_ totp: TOTP, device: DeviceID) async throws
    /// Removes the device's TOTP credential; emits ``StoreEvent/credentialsChanged(_:_:)`` if it had one.
    func removeTOTP(device: DeviceID) async throws
    /// The device's opened TOTP credential, or `nil`; throws if the sealed secret was tampered with.
    func totpEnrolment(device: DeviceID) async throws -> TOTPEnrolment?
    /// Re-seals every TOTP secret under `newKey` in one transaction; the store uses `newKey` afterwards.
    func rotateMasterKey(to newKey: MasterKey) async throws

    // MARK: Imported credentials

    /// The device's imported password hash, or `nil` (none, or already upgraded).
    func legacyCredential(device: DeviceID) async throws -> LegacyPasswordHash?
    /// Every imported password hash still held, by device (for `device list`).
    func legacyCredentials() async throws -> [DeviceID: LegacyPasswordHash]
    /// Replaces the imported hash `legacy` with `credential` — derived from the same password
    /// at a successful login — if `legacy` is still the device's credential and it has no SCRAM
    /// keys; emits ``StoreEvent/credentialUpgraded(_:)``. `false` when something else changed
    /// the credential first (a concurrent upgrade, `device password`), which is then kept.
    func upgradeLegacyCredential(_ legacy: LegacyPasswordHash, to credential: SCRAMCredential, device: DeviceID) async throws -> Bool
    /// Applies an import in one transaction (see ``FleetImport`` for what a re-run does).
    func importFleet(_ batch: FleetImport) async throws -> FleetImportResult

    // MARK: ACL rules

    /// Stores a rule for a device (which must exist) or a group; returns its new id.
    func addRule(_ rule: ACLRule, scope: ACLScope) async throws -> Int64
    /// The rules of one scope, or all rules when `scope` is `nil`, in id order.
    func rules(scope: ACLScope?) async throws -> [StoredACLRule]
    /// The device's own rules and its groups' rules, in id order: what its ACL is built from.
    func effectiveRules(device: DeviceID) async throws -> [ACLRule]
    /// Removes a rule; throws ``StoreError/unknownRule(_:fileID:line:)`` if there is none.
    func removeRule(id: Int64) async throws

    // MARK: Certificates

    /// Records an issued certificate; the device must exist.
    func addCertificate(_ certificate: CertificateRecord) async throws
    /// The certificate with this serial (lower-case hex), or `nil`.
    func certificate(serial: String) async throws -> CertificateRecord?
    /// The device's certificates, by serial.
    func certificates(device: DeviceID) async throws -> [CertificateRecord]
    /// Every revoked certificate — those of removed devices included — by serial: what the CRL lists.
    func revokedCertificates() async throws -> [CertificateRecord]
    /// Revokes a certificate (a second revocation keeps the first time and reason); emits
    /// ``StoreEvent/certificateRevoked(serial:device:)``.
    func revokeCertificate(serial: String, at unixTime: Int64, reason: String) async throws

    // MARK: Enrolment tokens

    /// Sets the device's one enrolment token (the device must exist), replacing any earlier one;
    /// emits ``StoreEvent/enrolmentTokenIssued(_:)``.
    func setEnrolmentToken(_ token: EnrolmentTokenRecord) async throws
    /// The device's outstanding enrolment token, expired or not, or `nil`.
    func enrolmentToken(device: DeviceID) async throws -> EnrolmentTokenRecord?
    /// Deletes the device's token if its digest is `digest` and it expires after `unixTime`, and
    /// says whether it did: an atomic use, so of two requests racing with one token only one
    /// gets `true`. Emits ``StoreEvent/enrolmentTokenUsed(_:)`` when it deleted.
    func consumeEnrolmentToken(device: DeviceID, digest: [UInt8], at unixTime: Int64) async throws -> Bool

    // MARK: Audit

    /// Appends entries in one transaction (callers batch them off the decision path).
    func appendAudit(_ entries: [AuditEntry]) async throws
    /// The newest `limit` entries, oldest first.
    func recentAudit(limit: Int) async throws -> [AuditEntry]
    /// Entries with an id greater than `id`, oldest first, at most `limit`: for `audit tail --follow`.
    func audit(after id: Int64, limit: Int) async throws -> [AuditEntry]

    // MARK: Change log

    /// The id of the newest change-log record, 0 for an empty log.
    func latestChangeID() async throws -> Int64

    /// The same, read at once on the calling thread if the store can do that in microseconds
    /// (SQLite: one indexed read of the local file); `nil` when it cannot (PostgreSQL: a round
    /// trip to the server), or on any error. What the fast lane compares with the change the
    /// notifier applied last, to know that nothing it has not seen was committed.
    func latestChangeIDNow() -> Int64?
    /// Records with an id greater than `id`, oldest first, at most `limit`.
    func changes(after id: Int64, limit: Int) async throws -> [ChangeRecord]
    /// The newest `limit` records, oldest first.
    func recentChanges(limit: Int) async throws -> [ChangeRecord]
    /// Follows the change log from `id` (exclusive): every record committed after it, by any
    /// writer — this instance, a CLI, the admin API or another service on the same database —
    /// in id order, each once. SQLite notices other processes' commits within ~50 ms; PostgreSQL
    /// through NOTIFY, catching up by id after its LISTEN connection was down. The stream ends
    /// when the store closes.
    func follow(after id: Int64) -> AsyncStream<ChangeRecord>

    // MARK: Lifetime

    /// Releases connections and background work, and ends every ``follow(after:)`` stream. Calls
    /// after it fail; a store that is simply dropped is cleaned up too, without waiting.
    func close() async
}

extension CredentialStore {
    /// The per-connect read without a source's lockout count (``ConnectProfile/sourceLockout`` is empty).
    public func connectProfile(device: DeviceID) async throws -> ConnectProfile? {
        try await connectProfile(device: device, source: nil)
    }

    /// Follows the change log from its current end: the changes committed from now on.
    public func events() async throws -> AsyncStream<ChangeRecord> {
        follow(after: try await latestChangeID())
    }
}
