import CastellanAuth
import CastellanBridge
import CastellanStore
import Synchronization

/// Which brokers are connected, and which device is connected where: the key to kicking a
/// revoked device off every broker.
///
/// Keyed per client connection (broker session + the plugin's handle), not per client id:
/// on a session takeover the old connection's DISCONNECT arrives after the new one was
/// admitted, with the same client id.
public final class SessionDirectory: Sendable {
    public struct Session: Sendable {
        public let broker: BrokerLink
        public let connection: UInt64
        public let device: DeviceID
        public let clientID: String
        /// What it authenticated with: a change to one of these kicks it.
        public let credentials: SessionCredentials
    }

    private struct Key: Hashable {
        let broker: UInt64
        let connection: UInt64
    }

    private let sessions = Mutex<[Key: Session]>([:])
    private let brokerLinks = Mutex<Set<BrokerLink>>([])

    init() {}

    func admitted(_ device: DeviceID, clientID: String, credentials: SessionCredentials, connection: UInt64, on broker: BrokerLink) {
        let session = Session(broker: broker, connection: connection, device: device, clientID: clientID, credentials: credentials)
        sessions.withLock { $0[Key(broker: broker.session, connection: connection)] = session }
    }

    /// The device of a live connection, if it was admitted.
    func device(connection: UInt64, on broker: BrokerLink) -> DeviceID? {
        sessions.withLock { $0[Key(broker: broker.session, connection: connection)]?.device }
    }

    func closed(_ connection: UInt64, on broker: BrokerLink) {
        _ = sessions.withLock { $0.removeValue(forKey: Key(broker: broker.session, connection: connection)) }
    }

    func brokerArrived(_ broker: BrokerLink) {
        _ = brokerLinks.withLock { $0.insert(broker) }
    }

    func brokerGone(_ broker: BrokerLink) {
        _ = brokerLinks.withLock { $0.remove(broker) }
        sessions.withLock { sessions in sessions = sessions.filter { $0.key.broker != broker.session } }
    }

    /// Every broker whose plugin completed the handshake and is still connected.
    public var brokers: [BrokerLink] { brokerLinks.withLock { Array($0) } }

    /// The live sessions of `device`, on every broker.
    public func sessions(of device: DeviceID) -> [Session] {
        sessions.withLock { $0.values.filter { $0.device == device } }
    }

    /// Every live session.
    public var all: [Session] { sessions.withLock { Array($0.values) } }
}
