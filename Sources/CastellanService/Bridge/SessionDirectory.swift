import CastellanAuth
import CastellanBridge
import Synchronization

/// Which brokers are connected, and which device is connected where: the key to kicking a
/// revoked device off every broker.
///
/// Keyed per client connection — broker link, the plugin's handle, and the plugin's generation
/// of that handle — never per client id: on a session takeover the old connection's DISCONNECT
/// arrives after the new one was admitted, with the same client id; and mosquitto may hand a
/// closed connection's handle to the next one, which the generation tells apart.
///
/// Filled two ways: by this service's own allows, and by the plugin's report of its live
/// connections after each handshake (``BridgeMessage/sessions(_:)``), so a service restart or a
/// dropped link loses nothing.
public final class SessionDirectory: Sendable {
    /// One admitted client connection.
    public struct Session: Sendable, Hashable {
        public let broker: BrokerLink
        /// The plugin's handle.
        public let connection: UInt64
        /// The plugin's generation of the handle: pushes carry it, and the plugin applies them
        /// only to that connection.
        public let generation: UInt64
        public let clientID: String
        /// What the session authenticated with (as sent to the plugin with the allow).
        public let tag: SessionTag

        public var device: DeviceID { tag.device }
        /// The factors it authenticated with: a changed credential kicks the sessions that used it.
        public var factors: SessionFactors { tag.factors }
        /// The certificate it authenticated with, if any: a revocation kicks that certificate's sessions.
        public var certificateSerial: String? { tag.certificateSerial }
        public var certificateFingerprint: CertificateFingerprint? { tag.certificateFingerprint }

        /// A kick for exactly this connection.
        public var kick: BridgeMessage { .kick(connection: connection, generation: generation) }
    }

    struct Key: Hashable {
        let broker: UInt64
        let connection: UInt64
        let generation: UInt64
    }

    private struct State {
        var sessions: [Key: Session] = [:]
        /// Decisions under way per connection, and those whose connection closed meanwhile: an
        /// allow that arrives after its DISCONNECT must not enter a session nobody will remove.
        var deciding: [Key: Int] = [:]
        var closedWhileDeciding: Set<Key> = []
    }

    private let state = Mutex(State())
    private let brokerLinks = Mutex<Set<BrokerLink>>([])

    init() {}

    static func key(_ connection: UInt64, _ generation: UInt64, on broker: BrokerLink) -> Key {
        Key(broker: broker.session, connection: connection, generation: generation)
    }

    /// A decision for `key` begins; pair with ``decided(_:admitting:)``.
    func deciding(_ key: Key) {
        state.withLock { $0.deciding[key, default: 0] += 1 }
    }

    /// A decision for `key` ended; `session` is the allow's session, if it was one. Returns
    /// whether the session was entered (not if its connection closed meanwhile).
    @discardableResult
    func decided(_ key: Key, admitting session: Session?) -> Bool {
        state.withLock { state in
            // Not deciding any more: its broker's link went meanwhile, and with it the connection.
            guard let remaining = state.deciding[key] else { return false }
            let closed = state.closedWhileDeciding.contains(key)
            if remaining > 1 {
                state.deciding[key] = remaining - 1
            } else {
                state.deciding[key] = nil
                state.closedWhileDeciding.remove(key)
            }
            guard let session, !closed else { return false }
            state.sessions[key] = session
            return true
        }
    }

    /// Enters a session the plugin reported as live (after a handshake).
    func resumed(_ session: Session) {
        let key = Key(broker: session.broker.session, connection: session.connection, generation: session.generation)
        state.withLock { $0.sessions[key] = session }
    }

    /// The session of a live connection, if it was admitted.
    func session(_ key: Key) -> Session? {
        state.withLock { $0.sessions[key] }
    }

    func closed(_ key: Key) {
        state.withLock { state in
            state.sessions[key] = nil
            if state.deciding[key] != nil { state.closedWhileDeciding.insert(key) }
        }
    }

    func brokerArrived(_ broker: BrokerLink) {
        _ = brokerLinks.withLock { $0.insert(broker) }
    }

    /// The link's sessions are forgotten: the plugin reports them again after its next handshake.
    func brokerGone(_ broker: BrokerLink) {
        _ = brokerLinks.withLock { $0.remove(broker) }
        state.withLock { state in
            state.sessions = state.sessions.filter { $0.key.broker != broker.session }
            state.deciding = state.deciding.filter { $0.key.broker != broker.session }
            state.closedWhileDeciding = state.closedWhileDeciding.filter { $0.broker != broker.session }
        }
    }

    /// Every broker whose plugin completed the handshake and is still connected.
    public var brokers: [BrokerLink] { brokerLinks.withLock { Array($0) } }

    /// The live sessions of `device`, on every broker.
    public func sessions(of device: DeviceID) -> [Session] {
        state.withLock { $0.sessions.values.filter { $0.device == device } }
    }

    /// Every live session.
    public var all: [Session] { state.withLock { Array($0.sessions.values) } }
}
