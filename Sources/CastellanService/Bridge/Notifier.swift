import CastellanAuth
import CastellanBridge
import CastellanStore
import Logging
import Supervision

/// Turns store changes into pushes to the brokers: a disabled or removed device is kicked off
/// every broker, and so are the sessions that presented a revoked certificate; changed rules
/// reach live connections. Each push names one connection (handle and generation).
///
/// With PostgreSQL the store's events include other service instances' changes (LISTEN/
/// NOTIFY), so a revocation made anywhere reaches every broker.
struct Notifier: ChildProcess {
    let context: ServiceContext
    let logger: Logger

    func run() async throws {
        for await event in context.store.events() {
            try await handle(event)
        }
    }

    func handle(_ event: StoreEvent) async throws {
        switch event {
        case .deviceDisabled(let device), .deviceRemoved(let device):
            await kick(context.sessions.sessions(of: device), device: device)
        case .certificateRevoked(let serial, let device):
            // That certificate's sessions only: the device's other sessions did not present it.
            await kick(context.sessions.sessions(of: device).filter { $0.certificateSerial == serial.lowercased() }, device: device)
        case .rulesChanged(let scope):
            for session in context.sessions.all {
                guard let device = try await context.store.device(session.device), affects(scope, device) else { continue }
                let rules = try ConnectionRules.resolve(device, stored: try await context.store.effectiveRules(device: session.device),
                                                        clientID: session.clientID)
                try? await session.broker.push(.setRules(connection: session.connection, generation: session.generation,
                                                         rules: rules.encode()))
            }
        case .deviceEnabled, .credentialsChanged:
            break
        }
    }

    private func kick(_ sessions: [SessionDirectory.Session], device: DeviceID) async {
        for session in sessions {
            logger.info("kicking", metadata: ["device": "\(device)", "broker": "\(session.broker)"])
            try? await session.broker.push(session.kick)
        }
    }

    private func affects(_ scope: ACLScope, _ device: DeviceRecord) -> Bool {
        switch scope {
        case .device(let id): id == device.id
        case .group(let group): device.groups.contains(group)
        }
    }
}
