import CastellanAuth
import CastellanClient
import Foundation
import Testing

/// Supervision events reach the broker on `$castellan/supervision/events`: operators (the
/// `admin` group) read them, no device can, and nobody can publish there.
@Suite struct SupervisionEventsInBrokerTests {
    @Test(.timeLimit(.minutes(1))) func operatorReceivesAKillsEvents_aDeviceCannotSubscribe_nobodyPublishes() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("ops1", policy: .password, groups: ["admin"])
            try await stack.service.setPassword("ops-ops-ops-ops", for: "ops1")
            try await stack.service.addDevice("pw1", policy: .password)
            try await stack.service.setPassword("pw-pw-pw-pw", for: "pw1")

            let device = stack.client("pw1", username: "pw1", password: "pw-pw-pw-pw")
            #expect(await device.connectCode() == .success)
            #expect(try await device.subscribe(to: ServiceTopics.supervisionEvents) == .notAuthorized)
            #expect(try await device.subscribe(to: "$castellan/#") == .notAuthorized)
            #expect(try await device.publish(topic: ServiceTopics.supervisionEvents, payload: [1], qos: .atLeastOnce) == .notAuthorized)

            let ops = stack.client("ops1", username: "ops1", password: "ops-ops-ops-ops")
            #expect(await ops.connectCode() == .success)
            #expect(try await ops.subscribe(to: ServiceTopics.supervisionEvents) == .success)
            #expect(try await ops.publish(topic: ServiceTopics.supervisionEvents, payload: [1], qos: .atLeastOnce) == .notAuthorized)

            let target = "/castellan/auth/scram/1"
            try await stack.service.server.tree.kill(path: target)
            var events: [String] = []
            for await message in ops.messages where message.topic == ServiceTopics.supervisionEvents {
                let event = try #require(try JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any])
                guard event["path"] as? String == target, let name = event["event"] as? String else { continue }
                events.append(name)
                if name == "child_restarted" { break }
            }
            #expect(events == ["child_exited", "child_restarted"])
            await device.disconnect()
            await ops.disconnect()
        }
    }
}
