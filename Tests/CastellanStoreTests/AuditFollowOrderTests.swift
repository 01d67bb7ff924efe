@testable import CastellanCLI
import Testing

/// `audit tail --follow` prints in time order although decisions reach the trail later than
/// changes made after them.
@Suite struct AuditFollowOrderTests {
    @Test func anEntryWrittenLateButMadeEarlier_isReleasedBeforeTheOneMadeAfterIt() {
        var held = HoldBack<String>(margin: 1_000)
        held.add("change at 10.1 s", time: 10_100)
        #expect(held.release(now: 10_600).isEmpty, "not a second old yet")
        held.add("decision at 10.0 s, batched", time: 10_000)
        held.add("another change at 10.1 s", time: 10_100)
        #expect(held.release(now: 11_050) == ["decision at 10.0 s, batched"])
        #expect(held.release(now: 11_100) == ["change at 10.1 s", "another change at 10.1 s"])
        #expect(held.release(now: 20_000).isEmpty)
    }
}
