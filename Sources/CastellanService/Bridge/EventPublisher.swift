import CastellanAuth
import CastellanBridge
import Foundation
import Logging
import Supervision

/// Publishes every supervision event into every connected broker, as JSON on
/// `$castellan/supervision/events` (ACL: operators only, ``ServiceTopics``).
///
/// Best effort, like the event stream of the admin API: a broker that is gone or slow misses
/// the event; nothing waits for it. It subscribes without replay, so a restarted publisher does
/// not repeat what the brokers already received.
struct EventPublisher: ChildProcess {
    let context: ServiceContext
    let events: EventBus

    func run() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for await event in events.subscribe() {
            let payload = Array(try encoder.encode(event))
            for broker in context.sessions.brokers {
                try? await broker.push(.publish(topic: ServiceTopics.supervisionEvents, payload: payload))
            }
        }
    }
}
