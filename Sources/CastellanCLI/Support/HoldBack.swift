/// Releases timed items in time order, each once it is older than a margin.
///
/// Why: `audit tail --follow` reads what reached the trail since its last look, but decisions
/// reach it in batches a fraction of a second after they were made (and from every service on
/// a shared store), while management changes land at once. Printed as they arrive, a decision
/// would follow a change made after it. Held back until no earlier entry can still arrive, the
/// lines come out in time order — a second late.
struct HoldBack<Item> {
    /// How old an item must be (milliseconds) before it is released.
    let margin: Int64
    private var held: [(time: Int64, order: Int, item: Item)] = []
    private var added = 0

    init(margin: Int64) { self.margin = margin }

    /// Holds `item`, stamped `time` (Unix milliseconds).
    mutating func add(_ item: Item, time: Int64) {
        held.append((time, added, item))
        added += 1
    }

    /// The items at least ``margin`` older than `now` (Unix milliseconds), oldest first (in the
    /// order added at equal times); the rest stay held.
    mutating func release(now: Int64) -> [Item] {
        let cutoff = now - margin
        let ready = held.filter { $0.time <= cutoff }.sorted { ($0.time, $0.order) < ($1.time, $1.order) }
        held.removeAll { $0.time <= cutoff }
        return ready.map(\.item)
    }
}
