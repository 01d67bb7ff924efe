import CastellanAuth
import CastellanBridge
import CastellanStore
import Logging
import Supervision

/// Follows the store's change log and makes every change hold on every broker: a disabled or
/// removed device is kicked; a revoked certificate's sessions are kicked; a changed credential
/// kicks the sessions that authenticated with it; changed rules or groups reach live sessions.
///
/// A kick is decided by re-checking each affected session against the store as it is now
/// (``SessionCredentials``), not by the change alone: the log is applied a moment after the
/// commit, and a session opened in that moment — with the password just set — must stay.
///
/// The log has every writer's changes — this service, the CLI, the admin API, other services
/// on a shared PostgreSQL store — and the notifier goes on from the last record it applied
/// (``ServiceContext/appliedChange``), so a notifier restarted by its supervisor misses nothing.
struct Notifier: ChildProcess {
    let context: ServiceContext
    let logger: Logger

    func run() async throws {
        var start = context.appliedChange.load(ordering: .acquiring)
        if start < 0 {
            start = try await context.store.latestChangeID()
            context.appliedChange.store(start, ordering: .releasing)
        }
        for await change in context.store.follow(after: start) {
            try await handle(change.event)
            context.appliedChange.store(change.id, ordering: .releasing)
        }
    }

    func handle(_ event: StoreEvent) async throws {
        switch event {
        case .deviceDisabled(let device), .deviceRemoved(let device), .credentialsChanged(let device, _):
            try await recheck(context.sessions.sessions(of: device), because: event)
        case .certificateRevoked(let serial, let device):
            await kick(context.sessions.sessions(of: device).filter { $0.credentials.certificateSerial == serial }, because: event)
        case .rulesChanged(let scope):
            for session in context.sessions.all {
                guard let device = try await context.store.device(session.device), affects(scope, device) else { continue }
                try await pushRules(to: session, of: device)
            }
        case .groupsChanged(let id):
            guard let device = try await context.store.device(id) else { return }
            for session in context.sessions.sessions(of: id) { try await pushRules(to: session, of: device) }
        case .deviceAdded, .deviceEnabled, .deviceUnlocked, .certificateIssued, .masterKeyRotated:
            break
        }
    }

    /// Kicks those of `sessions` (all of one device) whose credentials no longer hold.
    private func recheck(_ sessions: [SessionDirectory.Session], because event: StoreEvent) async throws {
        guard let device = sessions.first?.device else { return }
        let profile = try await context.store.connectProfile(device: device)
        var refused: [SessionDirectory.Session] = []
        for session in sessions {
            var revoked = false
            if let serial = session.credentials.certificateSerial {
                revoked = try await context.store.certificate(serial: serial)?.isRevoked ?? true
            }
            if !session.credentials.stillHold(in: profile, certificateRevoked: revoked) { refused.append(session) }
        }
        await kick(refused, because: event)
    }

    private func kick(_ sessions: [SessionDirectory.Session], because event: StoreEvent) async {
        for session in sessions {
            logger.info("kicking", metadata: [
                "device": "\(session.device)", "broker": "\(session.broker)", "change": "\(event.kind)",
            ])
            try? await session.broker.push(.kick(clientID: session.clientID))
        }
    }

    private func pushRules(to session: SessionDirectory.Session, of device: DeviceRecord) async throws {
        let stored = try await context.store.effectiveRules(device: session.device)
        let rules = try ACLRuleSet.device(adding: ServiceTopics.rules(forOperator: device.isOperator) + stored)
            .resolve(username: session.device.rawValue, clientID: session.clientID)
        try? await session.broker.push(.setRules(connection: session.connection, rules: rules.encode()))
    }

    private func affects(_ scope: ACLScope, _ device: DeviceRecord) -> Bool {
        switch scope {
        case .device(let id): id == device.id
        case .group(let group): device.groups.contains(group)
        }
    }
}
