import CastellanBridge
import Supervision
import Synchronization

/// The authenticator pools of the running tree, filled in as the spec's pools are built.
///
/// A slot stays empty when the spec has no such pool: requests for that method are then
/// refused (``DenialReason/unavailable(_:)``), never granted.
public final class AuthPools: Sendable {
    private struct Slots: Sendable {
        var certificate: WorkerPool<CertificateAuthWorker>?
        var password: WorkerPool<PasswordAuthWorker>?
        var scram: WorkerPool<SCRAMAuthWorker>?
        var scramExchanges: SupervisorTable<SCRAMExchangeKey, SCRAMExchange>?
    }

    private let slots = Mutex(Slots())

    init() {}

    var certificate: WorkerPool<CertificateAuthWorker>? { slots.withLock { $0.certificate } }
    var password: WorkerPool<PasswordAuthWorker>? { slots.withLock { $0.password } }
    var scram: WorkerPool<SCRAMAuthWorker>? { slots.withLock { $0.scram } }

    func install(_ pool: WorkerPool<CertificateAuthWorker>) { slots.withLock { $0.certificate = pool } }
    func install(_ pool: WorkerPool<PasswordAuthWorker>) { slots.withLock { $0.password = pool } }
    func install(_ pool: WorkerPool<SCRAMAuthWorker>) { slots.withLock { $0.scram = pool } }

    /// The SCRAM pool's table of pending exchanges, as its workers have it (``SCRAMAuthWorker``):
    /// the fast lane finishes exchanges there too. A restarted pool's supervisor makes a
    /// new one, which its first worker installs; the one before refuses inserts and holds nothing,
    /// so whoever still has it sends every step the usual way.
    var scramExchanges: SupervisorTable<SCRAMExchangeKey, SCRAMExchange>? { slots.withLock { $0.scramExchanges } }
    func install(_ exchanges: SupervisorTable<SCRAMExchangeKey, SCRAMExchange>) { slots.withLock { $0.scramExchanges = exchanges } }

    /// Workers accepting requests and requests waiting, over all pools: for metrics.
    public var load: (live: Int, queued: Int) {
        let pools = slots.withLock { $0 }
        let live = (pools.certificate?.liveWorkers ?? 0) + (pools.password?.liveWorkers ?? 0) + (pools.scram?.liveWorkers ?? 0)
        let queued = (pools.certificate?.queuedRequests ?? 0) + (pools.password?.queuedRequests ?? 0)
            + (pools.scram?.queuedRequests ?? 0)
        return (live, queued)
    }
}
