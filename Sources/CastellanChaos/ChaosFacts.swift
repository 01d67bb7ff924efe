/// What a chaos run recorded, with nothing judged yet: ``ChaosInvariants`` judges, ``ChaosReport`` tells.
///
/// Times are Unix seconds on the runner's clock, the clock the service stamps its supervision
/// events with (same machine), so attempts, kills and events line up.
public struct ChaosFacts: Sendable, Hashable, Codable {
    /// What a connect presented.
    public enum Credential: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        /// The device's own, current credentials.
        case valid
        /// Wrong credentials (docs/chaos.md says which, per method).
        case invalid
        /// A TOTP code the service already accepted once, presented again.
        case replay

        public static func < (lhs: Credential, rhs: Credential) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// How a connect ended.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// CONNACK success.
        case granted
        /// The broker refused (a CONNACK reason code), or the TLS handshake refused the certificate.
        case denied
        /// Anything else: timeout, connection refused or closed.
        case failed
    }

    /// One connect.
    public struct Attempt: Sendable, Hashable, Codable {
        public var method: ChaosScenario.Method
        public var credential: Credential
        /// When the connect began.
        public var start: Double
        /// How long it took to the CONNACK (or the failure).
        public var seconds: Double
        public var outcome: Outcome

        public init(method: ChaosScenario.Method, credential: Credential, start: Double, seconds: Double, outcome: Outcome) {
            self.method = method
            self.credential = credential
            self.start = start
            self.seconds = seconds
            self.outcome = outcome
        }

        public var end: Double { start + seconds }
    }

    /// One node the admin API said it killed.
    public struct Kill: Sendable, Hashable, Codable {
        public var time: Double
        public var path: String

        public init(time: Double, path: String) {
            self.time = time
            self.path = path
        }
    }

    /// One supervision event from the admin API's stream (`child_exited`, `child_restarted`, …).
    public struct Event: Sendable, Hashable, Codable {
        public var time: Double
        public var path: String
        public var event: String

        public init(time: Double, path: String, event: String) {
            self.time = time
            self.path = path
            self.event = event
        }
    }

    /// A stretch of time.
    public struct Window: Sendable, Hashable, Codable {
        public var start: Double
        public var end: Double

        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }

        public func overlaps(_ start: Double, _ end: Double) -> Bool { start <= self.end && end >= self.start }
    }

    /// When the load began, when the faults began, when the load ended.
    public var started: Double
    public var faultsStarted: Double
    public var ended: Double
    public var attempts: [Attempt] = []
    public var kills: [Kill] = []
    /// Kill requests the service refused (e.g. the target was itself restarting) or could not be sent.
    public var refusedKills = 0
    /// Kills of whole nodes (`faults.path`): their restarts are excluded like the SIGKILL.
    public var wholeNodeKills = false
    public var events: [Event] = []
    /// From the deliberate SIGKILL until the restarted service said it was ready.
    public var serviceKill: Window?
    /// Every exit of the service that was not the deliberate SIGKILL, as "when: how".
    public var unexpectedExits: [String] = []
    /// How far `castellan_supervisor_restarts_total` moved, summed over every path and every
    /// run of the service (a restarted service starts its counters from zero); nil if unread.
    public var metricRestarts: Int?
    /// The supervisor the spec predicts will give up under these faults; nil: none.
    public var predictedEscalation: String?

    public init(started: Double, faultsStarted: Double, ended: Double) {
        self.started = started
        self.faultsStarted = faultsStarted
        self.ended = ended
    }
}
