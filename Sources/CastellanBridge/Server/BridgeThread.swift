import NIOCore
import NIOPosix

/// The one thread the bridge's I/O and the service's decisions share.
///
/// Mosquitto asks one question at a time per broker (its plugin call blocks the broker's only
/// thread), so a connect is a strict sequence: frame in, decision, frame out. Run on one
/// thread, that sequence wakes no other thread; spread over the global executor it took six
/// to eight thread switches per connect, which on this class of machine cost more than the
/// decision itself. The listener accepts on this loop, broker sessions run here
/// (``BrokerSession``), and the service's authentication pools put their workers here too.
/// Work that must not block it — audit writes, store writes — goes through the store's own
/// queues as before.
public enum BridgeThread {
    /// A one-thread event loop group that lives as long as the process (like NIO's singletons),
    /// so services and tests need not shut it down.
    public static let group: MultiThreadedEventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Runs Swift tasks that prefer it on the bridge thread.
    public static let executor: any TaskExecutor = EventLoopTaskExecutor(group.next())
}
