import CastellanBridge
import Logging
import Supervision
import Synchronization

/// The listener child: accepts plugin connections and starts one supervised child per broker.
///
/// Broker connections live under the sibling `connections` dynamic supervisor, not under this
/// task, so a listener restart (a failed accept, a deleted socket file) keeps every broker
/// connected. The accepted channel reaches the new child through ``ArrivingBrokers`` — OTP's
/// `start_child(Sup, ExtraArgs)` for a dynamic supervisor.
struct BridgeListenerProcess: ChildProcess {
    let context: ServiceContext
    let connectionsPath: String
    let registry: Registry
    let logger: Logger

    func run() async throws {
        let socket = context.settings.configuration.bridgeSocket
        let readiness = context.bridge
        defer { readiness.set(false) }
        logger.info("bridge listening", metadata: ["socket": "\(socket)"])
        try await BridgeListener.run(path: socket, group: context.threads.group, listening: { readiness.set(true) }) { channel in
            await start(channel)
        }
    }

    private func start(_ channel: BridgeChannel) async {
        context.arrivingBrokers.put(channel)
        do {
            guard let connections = registry.lookup(connectionsPath, as: Supervisor.self)?.process else {
                throw BridgeSetupError("no supervisor at \(connectionsPath)")
            }
            _ = try await connections.startChild()
        } catch {
            logger.error("refusing a broker connection", metadata: ["error": "\(error)"])
            if let unclaimed = context.arrivingBrokers.take() { try? await unclaimed.executeThenClose { _, _ in } }
        }
    }
}

/// Accepted broker channels waiting for the child that will serve them.
final class ArrivingBrokers: Sendable {
    private let channels = Mutex<[BridgeChannel]>([])

    func put(_ channel: BridgeChannel) { channels.withLock { $0.append(channel) } }

    func take() -> BridgeChannel? {
        channels.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}

/// One broker's connection. Malformed input from the peer closes this connection and is
/// logged; it is the peer's fault, not a crash of ours, so it does not count as a restart.
struct BrokerConnectionProcess: ChildProcess {
    let channel: BridgeChannel
    let handler: Authenticator
    let logger: Logger

    func run() async throws {
        do {
            try await BrokerSession.run(channel, threads: handler.context.threads, handler: handler)
        } catch let error as BridgeFrameError {
            logger.warning("closed a broker connection that sent a malformed frame", metadata: ["error": "\(error)"])
        } catch let error as BrokerSessionError {
            logger.warning("closed a broker connection", metadata: ["error": "\(error)"])
        }
    }
}

struct BridgeSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
