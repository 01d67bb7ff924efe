import CastellanAuth
import CastellanStore

/// The checks every method shares once it knows which device is asking: the device exists,
/// is enabled, its policy is this method, this source address is not locked out of it, the
/// client id and username fit the identity — and then the connection's ACL.
///
/// Failures are counted per (device, source address) (``LockoutPolicy``), and only through
/// ``failed(_:)`` on a device that passed ``device(_:allowing:method:)``: so only for a device
/// that exists, is enabled and whose policy uses the factor that failed.
struct DeviceGate: Sendable {
    let store: any CredentialStore
    /// Failures and successes noted and not yet written (the gate adds them to the store's).
    let ledger: FailureLedger
    /// Forgets a device's fast-lane admission when it fails (``failed(_:)``).
    let admissions: AdmissionCache
    let settings: ServiceSettings
    let now: Int64
    /// The lockout key of the connecting client's address (``LockoutPolicy/source(of:)``).
    let source: String

    /// A gate for one request from the client at `address`.
    init(context: ServiceContext, address: String) {
        store = context.store
        ledger = context.failures
        admissions = context.admissions
        settings = context.settings
        now = context.unixTime
        source = LockoutPolicy.source(of: address)
    }

    /// A device that may try now.
    struct Candidate: Sendable {
        /// The device with its credentials, rules and lockout counts: one store read per connect.
        let profile: ConnectProfile
        /// Failures on record from this source, to clear on success.
        let sourceFailures: Int
        /// When the profile was read, for ``AdmissionCache/remember(_:readAt:)``.
        let readAt: UInt64
        var id: DeviceID { profile.device.id }
        var policy: AuthFactors { profile.device.policy }
    }

    /// A device that may try, or the refusal to send.
    enum Lookup: Sendable {
        case ready(Candidate)
        case refused(AuthOutcome)
    }

    /// The device if it may try `policies` now, or the refusal.
    func device(_ id: DeviceID, allowing policies: Set<AuthFactors>, method: AuthMethod) async throws -> Lookup {
        let readAt = admissions.stamp()
        guard let profile = try await store.connectProfile(device: id, source: source), profile.device.enabled else {
            return .refused(.deny(.notPermitted("unknown or disabled device"), identity: id, method: method))
        }
        guard policies.contains(profile.device.policy) else {
            return .refused(.deny(.notPermitted("policy \(profile.device.policy) does not use \(method)"), identity: id, method: method))
        }
        let total = ledger.deviceFailures(profile.lockout.consecutiveFailures, device: id)
        let fromSource = ledger.sourceRecord(profile.sourceLockout, device: id, source: source)
        if let locked = settings.lockout.status(source: fromSource, deviceFailures: total, now: now).denialReason {
            return .refused(.deny(locked, identity: id, method: method))
        }
        return .ready(Candidate(profile: profile, sourceFailures: fromSource.consecutiveFailures, readAt: readAt))
    }

    /// Allows `device` if the client id and username fit; the rules come from the store.
    /// `certificate`: the verified client certificate, when the policy uses one.
    func admit(_ device: Candidate, clientID: [UInt8]?, username: [UInt8]?, data: [UInt8] = [],
               certificate: CertificateIdentity? = nil, method: AuthMethod) async throws -> AuthOutcome {
        let id = device.id
        guard let clientID, let clientIDText = String(validating: clientID, as: UTF8.self) else {
            return .deny(.malformed("client id missing or not UTF-8"), identity: id, method: method)
        }
        let usernameText: String?
        if let username {
            guard let text = String(validating: username, as: UTF8.self) else {
                return .deny(.usernameMismatch(), identity: id, method: method)
            }
            usernameText = text
        } else {
            usernameText = nil
        }
        // A bound client id (``DeviceRecord/clientID``) replaces the global binding for this device.
        if let mismatch = settings.identityCheck.denial(
            clientID: clientIDText, username: usernameText, identity: id, bound: device.profile.device.clientID) {
            return .deny(mismatch, identity: id, method: method)
        }
        if device.sourceFailures > 0 { ledger.succeeded(id, from: source) }
        let rules = try ConnectionRules.resolve(device.profile.device, stored: device.profile.rules, clientID: clientIDText)
        let session = SessionTag(profile: device.profile, certificate: certificate)
        return .allow(session, rules: rules, data: data, method: method)
    }

    /// Counts a failed attempt of a device that passed ``device(_:allowing:method:)`` towards
    /// this source's lockout (and the device's total); written off the reply path, so a wrong
    /// password is answered as soon as an unknown name (``FailureLedger``). The device is no
    /// longer clean: its fast-lane admission goes first.
    func failed(_ device: Candidate) {
        admissions.forget(device.id)
        ledger.failed(device.id, from: source, at: now)
    }

    /// Remembers `outcome`, an allow of `device`, for the fast lane (``AdmissionCache``) if the
    /// device is clean: no failure on record or noted, from any source.
    func remember(_ outcome: AuthOutcome, of device: Candidate, proof: AdmissionCache.Proof, clientID: [UInt8], username: [UInt8]?) {
        guard outcome.result == .allow, ledger.deviceFailures(device.profile.lockout.consecutiveFailures, device: device.id) == 0 else { return }
        admissions.remember(
            AdmissionCache.Admission(device: device.id, proof: proof, clientID: clientID, username: username, outcome: outcome),
            readAt: device.readAt)
    }

    /// Checks a TOTP code once, cluster-wide.
    func checkTOTP(_ code: String, device: Candidate) async throws -> DenialReason? {
        guard let enrolment = try device.profile.totp?.open() else { return .notPermitted("no TOTP enrolment") }
        return try await enrolment.totp.verifyOnce(code, at: now, device: device.id, replayGuard: store).denialReason
    }
}
