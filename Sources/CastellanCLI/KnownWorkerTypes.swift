import CastellanService
import Supervision

/// The worker types the `castellan` executable can run, by the names specs use.
///
/// One place on purpose: `castellan tree` and `castellan demo` accept the same names.
enum KnownWorkerTypes {
    /// The demo workers: a ticking worker and one that crashes at a configured rate.
    static let all = WorkerTypes([TickerWorker.type, FlakyWorker.type])

    /// The demo types and the service's (so `castellan tree` validates supervision/castellan.yaml too).
    static var names: Set<String> { all.names.union(ServiceWorkerTypes.names) }
}
