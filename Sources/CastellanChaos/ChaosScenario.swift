/// One chaos run, as a `supervision/chaos/NAME.yaml` file describes it: the load, the faults,
/// and what the spec predicts (docs/chaos.md).
///
/// A value only: ``ChaosScenarioLoader`` reads and checks it, the `castellan chaos run`
/// command carries it out, ``ChaosInvariants`` judges what happened.
public struct ChaosScenario: Sendable, Hashable {
    /// The four ways a device proves who it is, as the load generator drives them.
    public enum Method: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
        case password, scram, totp, certificate

        /// The device policy name in the store (`AuthFactors`).
        public var policyName: String { self == .certificate ? "cert" : rawValue }

        public static func < (lhs: Method, rhs: Method) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The connect load: devices per method, and how many connect at once.
    public struct Load: Sendable, Hashable {
        /// Devices holding valid credentials, per method.
        public var valid: [Method: Int]
        /// Devices whose connects present wrong credentials, per method (see docs/chaos.md for
        /// what "wrong" is per method). Separate devices, so their lockouts never touch valid ones.
        public var invalid: [Method: Int]
        /// Concurrent connectors; each device belongs to one, so a client id never connects twice at once.
        public var connections: Int
        /// The most connects per second over all connectors; nil: as fast as the service answers.
        public var rate: Double?

        public init(valid: [Method: Int], invalid: [Method: Int], connections: Int, rate: Double? = nil) {
            self.valid = valid
            self.invalid = invalid
            self.connections = connections
            self.rate = rate
        }
    }

    /// Where the worker kills land.
    public enum Target: Sendable, Hashable {
        /// A random running worker under this path, each time.
        case randomUnder(String)
        /// This node (worker, pool or supervisor), each time.
        case path(String)

        /// The path the target names.
        public var path: String {
            switch self {
            case .randomUnder(let path), .path(let path): path
            }
        }
    }

    /// One SIGKILL of the whole service, then a restart.
    public struct ServiceKill: Sendable, Hashable {
        /// Seconds after the start of the run.
        public var at: Double
        /// Seconds the service stays dead before it is started again.
        public var down: Double

        public init(at: Double, down: Double) {
            self.at = at
            self.down = down
        }
    }

    /// The faults injected after the calm phase.
    public struct Faults: Sendable, Hashable {
        /// Kill requests per second (0: none).
        public var killsPerSecond: Double
        public var target: Target
        public var serviceKill: ServiceKill?

        public init(killsPerSecond: Double, target: Target, serviceKill: ServiceKill?) {
            self.killsPerSecond = killsPerSecond
            self.target = target
            self.serviceKill = serviceKill
        }
    }

    /// The scenario file, for the report.
    public var file: String
    /// Seconds the run lasts.
    public var duration: Double
    /// The first seconds without faults: the calm latency baseline.
    public var calm: Double
    /// The supervision spec the service runs (a path relative to the scenario file); nil: the built-in tree.
    public var tree: String?
    public var load: Load
    public var faults: Faults
    /// The supervisor the scenario expects to give up (`expect.escalation`); checked against the spec.
    public var expectedEscalation: String?

    public init(file: String, duration: Double, calm: Double, tree: String?, load: Load, faults: Faults,
                expectedEscalation: String?) {
        self.file = file
        self.duration = duration
        self.calm = calm
        self.tree = tree
        self.load = load
        self.faults = faults
        self.expectedEscalation = expectedEscalation
    }
}
