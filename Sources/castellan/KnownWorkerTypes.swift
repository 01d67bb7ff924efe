/// The worker types a spec may name, until the runtime's worker registry replaces this list.
///
/// One place on purpose: `castellan tree` and `castellan demo` must accept the same names.
enum KnownWorkerTypes {
    /// The demo workers: a ticking worker and one that crashes at a configured rate.
    static let names: Set<String> = ["ticker", "flaky"]
}
