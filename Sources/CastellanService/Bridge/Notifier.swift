import CastellanAuth
import CastellanBridge
import CastellanStore
import Logging
import Supervision

/// Follows the store's change log and makes every change hold on every broker: a disabled or
/// removed device is kicked; a revoked certificate's sessions are kicked; a changed credential
/// kicks the sessions that authenticated with it; a changed bound client id kicks the sessions
/// whose client id no longer fits; changed rules or groups reach live sessions.
/// Each push names one connection (handle and generation).
///
/// The sessions a change touches are re-checked against the store as it is now
/// (``SessionRecheck``), not judged by the change alone: the log is applied a moment after the
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
        // First, so that no fast-lane allow from before the change outlives the re-check below
        // (``Authenticator/decideAtOnce(_:from:)``).
        if let device = event.device { context.admissions.forget(device) } else { context.admissions.forgetAll() }
        switch event {
        case .deviceDisabled(let device), .deviceRemoved(let device), .credentialsChanged(let device, _), .policyChanged(let device),
             .clientIDChanged(let device):
            try await recheck(context.sessions.sessions(of: device), because: event)
        case .certificateRevoked(let serial, let device):
            // That certificate's sessions only: the device's other sessions did not present it.
            let presented = context.sessions.sessions(of: device).filter { $0.certificateSerial == serial.lowercased() }
            for session in presented { await kick(session, because: "certificate \(serial) revoked") }
        case .rulesChanged(let scope):
            for session in context.sessions.all {
                guard let device = try await context.store.device(session.device), affects(scope, device) else { continue }
                try await pushRules(to: session, of: device)
            }
        case .groupsChanged(let id):
            guard let device = try await context.store.device(id) else { return }
            for session in context.sessions.sessions(of: id) { try await pushRules(to: session, of: device) }
        case .deviceAdded, .deviceEnabled, .deviceUnlocked, .certificateIssued, .masterKeyRotated, .credentialUpgraded,
             .enrolmentTokenIssued, .enrolmentTokenUsed, .firstFailure:
            break
        }
    }

    /// Kicks those of `sessions` that may no longer stay; the others keep going (their rules are
    /// pushed again, which is idempotent).
    private func recheck(_ sessions: [SessionDirectory.Session], because event: StoreEvent) async throws {
        let recheck = SessionRecheck(store: context.store, identity: context.settings.identityCheck)
        for session in sessions {
            switch try await recheck.verdict(for: session.tag, clientID: session.clientID) {
            case .kick(let reason): await kick(session, because: "\(event.kind): \(reason)")
            case .keep(let rules):
                try? await session.broker.push(.setRules(connection: session.connection, generation: session.generation, rules: rules.encode()))
            }
        }
    }

    private func kick(_ session: SessionDirectory.Session, because reason: String) async {
        logger.info("kicking", metadata: ["device": "\(session.device)", "broker": "\(session.broker)", "reason": "\(reason)"])
        try? await session.broker.push(session.kick)
    }

    private func pushRules(to session: SessionDirectory.Session, of device: DeviceRecord) async throws {
        let rules = try ConnectionRules.resolve(device, stored: try await context.store.effectiveRules(device: session.device),
                                                clientID: session.clientID)
        try? await session.broker.push(.setRules(connection: session.connection, generation: session.generation, rules: rules.encode()))
    }

    private func affects(_ scope: ACLScope, _ device: DeviceRecord) -> Bool {
        switch scope {
        case .device(let id): id == device.id
        case .group(let group): device.groups.contains(group)
        }
    }
}
