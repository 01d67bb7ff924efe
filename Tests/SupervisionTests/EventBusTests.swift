import Foundation
import Supervision
import SupervisionTesting
import Testing

@Suite struct EventBusTests {
    @Test func eventsNotedEarlierButPublishedLater_areStampedInPublishingOrder() async throws {
        let bus = EventBus()
        var stream = bus.subscribe().makeAsyncIterator()
        let noted = Date()
        bus.emit(SupervisionEvent(timestamp: noted.addingTimeInterval(1), path: "/root/child", kind: .childStarted(generation: 1)))
        // The parent noted its event first, and publishes it after the child's (its step ended later).
        bus.emit(SupervisionEvent(timestamp: noted, path: "/root", kind: .childStarted(generation: 1)))
        let first = try #require(await stream.next())
        let second = try #require(await stream.next())
        #expect([first.path, second.path] == ["/root/child", "/root"])
        #expect(first.timestamp <= second.timestamp)
        #expect(bus.recent().map(\.timestamp) == [first.timestamp, second.timestamp])
    }

    @Test func aTreeStartingNestedSupervisors_publishesItsEventsInTimeOrder() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 5, within: .seconds(5)))) { probe in
            [probe.spec("a"), .supervisor(id: "inner", children: [probe.spec("b"), probe.spec("c")]), probe.spec("d")]
        }
        await harness.stop()
        let events = harness.environment.events.recent()
        #expect(events.count >= 6)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp }, "\(events.map { "\($0.timestamp.timeIntervalSince1970) \($0.path)" })")
    }
}
