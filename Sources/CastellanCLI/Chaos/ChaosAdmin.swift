import CastellanAdmin
import CastellanChaos
import Foundation

/// The chaos runner's calls to the admin API: kills, the restart counters, the event stream.
struct ChaosAdmin: Sendable {
    let client: AdminClient

    /// Kills what `target` names once; the killed paths, or nil when the service refused or
    /// could not be reached (a random kill may find its target restarting).
    func kill(_ target: ChaosScenario.Target) async -> [String]? {
        let body: [UInt8]?
        switch target {
        case .randomUnder(let under): body = try? Array(AdminJSON.encode(KillRandom(random: 1, under: under)))
        case .path(let path): body = try? Array(AdminJSON.encode(["path": path]))
        }
        guard let body, let response = try? await client.request(.POST, "/v1/chaos/kill", json: body),
              response.status == 200 else { return nil }
        struct Killed: Decodable { var killed: [String] }
        return (try? JSONDecoder().decode(Killed.self, from: Data(response.body)))?.killed
    }

    private struct KillRandom: Encodable {
        var random: Int
        var under: String
    }

    /// `castellan_supervisor_restarts_total` per path, or nil if /metrics could not be read.
    func restartCounters() async -> RestartCounters? {
        guard let response = try? await client.request(.GET, "/metrics"), response.status == 200 else { return nil }
        return RestartCounters(prometheus: response.text)
    }

    /// Follows the event stream into `recorder` until cancelled, reconnecting whenever it ends
    /// (the service was SIGKILLed, or is not listening yet). `connected` gets a value when a
    /// connection delivers its first event (the replay of recent ones), so the runner knows
    /// nothing after that point can be missed.
    func follow(into recorder: ChaosRecorder, connected: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled {
            var first = true
            try? await client.events(follow: true, replay: true) { data in
                if first {
                    first = false
                    connected.yield()
                }
                if let event = try? AdminEvent(json: data) {
                    await recorder.record(ChaosFacts.Event(time: event.timestamp, path: event.path, event: event.event))
                }
                return !Task.isCancelled
            }
            // Not reachable (yet): the service is down or starting. Try again shortly.
            try? await Task.sleep(for: .milliseconds(100))
        }
        connected.finish()
    }
}
