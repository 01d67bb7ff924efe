import CastellanAuth
import CastellanBridge
import CastellanStore
import Foundation
import Synchronization

/// What every part of the running service shares: the store, the current settings, the
/// audit trail, the live sessions, and the authenticator pools.
public final class ServiceContext: Sendable {
    public let store: any CredentialStore
    public let audit: AuditBatcher
    public let sessions = SessionDirectory()
    public let pools = AuthPools()
    /// The threads that decide (``DecisionThreads``): the plugin links' I/O, the requests and
    /// the authentication workers run there.
    public let threads: DecisionThreads
    /// Whether the bridge socket is listening.
    public let bridge = Readiness()
    /// Whether a broker's plugin has completed the handshake since start.
    public let brokerConnected = Readiness()
    /// Whether a broker's plugin has finished reporting its live connections (after a handshake)
    /// and every one of them was re-checked.
    public let brokerResynced = Readiness()
    let arrivingBrokers = ArrivingBrokers()
    let entropy: any EntropySource
    let metrics = DecisionMetrics()
    /// The id of the last change-log record the notifier applied (-1 before it started): a
    /// restarted notifier goes on from here, so a change is applied even if it crashed meanwhile.
    let appliedChange = Atomic<Int64>(-1)
    /// Lockout failures counted and not yet written (see ``FailureLedger``).
    let failures = FailureLedger()
    /// Where key derivations run, off the decision thread (see ``ColdCheckPool``).
    let coldChecks = ColdCheckPool()
    /// Recently verified passwords, shared by the password workers and the cold checks they
    /// hand out (``PasswordDecision``).
    let passwordCache: Mutex<VerifiedPasswordCache>
    /// The last allow of each clean password device, for the fast lane (``AdmissionCache``).
    let admissions: AdmissionCache
    private let current: Mutex<Current>
    private let rateLimiter: Mutex<RateLimiter>

    /// Settings and what is derived from them, swapped together on reload.
    private struct Current: Sendable {
        var settings: ServiceSettings
        var verifier: DeviceCertificateVerifier?
    }

    /// - Throws: when `entropy` cannot key the verified-password cache.
    public init(store: any CredentialStore, settings: ServiceSettings, entropy: any EntropySource,
                threads: DecisionThreads = .shared()) throws {
        self.store = store
        self.threads = threads
        self.entropy = entropy
        passwordCache = Mutex(try VerifiedPasswordCache(entropy: entropy))
        audit = AuditBatcher(store: store)
        admissions = AdmissionCache(remembers: store.latestChangeIDNow() != nil)
        rateLimiter = Mutex(RateLimiter(policy: settings.configuration.rateLimit))
        current = Mutex(Current(settings: settings, verifier: Self.verifier(settings, store: store)))
    }

    /// The settings new requests use.
    public var settings: ServiceSettings { current.withLock { $0.settings } }

    /// The certificate verifier of the current settings (its cache starts empty on reload).
    var certificateVerifier: DeviceCertificateVerifier? { current.withLock { $0.verifier } }
    /// The verifier's cache alone: the fast lane's look-up, without copying the whole verifier
    /// (its stores and settings) out of the lock on every connect.
    var certificateCache: CertificateVerificationCache? { current.withLock { $0.verifier?.cache } }

    /// Puts new settings in force for every request from now on.
    public func apply(_ settings: ServiceSettings) {
        let verifier = Self.verifier(settings, store: store)
        current.withLock { $0 = Current(settings: settings, verifier: verifier) }
        rateLimiter.withLock { $0 = RateLimiter(policy: settings.configuration.rateLimit) }
        admissions.forgetAll()  // they were judged under the old settings (lockout, identity check)
    }

    /// Whether `address` may try to connect now (a token bucket per address).
    func admitsAttempt(from address: String) -> Bool {
        rateLimiter.withLock { $0.attempt(from: address, at: .now) }
    }

    /// The current Unix time, whole seconds: TOTP steps and lockouts count in those.
    var unixTime: Int64 { Int64(Date().timeIntervalSince1970) }

    /// A certificate is good only while the store knows it, unrevoked, with this fingerprint:
    /// a certificate the CA signed but the store never recorded is refused too.
    private static func verifier(_ settings: ServiceSettings, store: any CredentialStore) -> DeviceCertificateVerifier? {
        guard let configuration = settings.certificates else { return nil }
        return DeviceCertificateVerifier(configuration: configuration, revocation: RevocationCheck { serial, fingerprint in
            guard let record = try await store.certificate(serial: serial.hexString) else { return true }
            return record.isRevoked || record.fingerprint != fingerprint
        })
    }
}
