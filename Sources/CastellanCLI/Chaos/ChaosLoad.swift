import CastellanChaos
import CastellanClient
import Foundation

/// The connect load: `connections` connectors, each owning a share of the fleet and connecting
/// its devices in turn (connect, then disconnect) until the end of the run.
///
/// A device belongs to one connector, so its client id never connects twice at once. A valid
/// TOTP device connects once per time step — the replay guard refuses a code twice — and then
/// presents the accepted code once more, which must be refused.
struct ChaosLoad {
    let devices: [ChaosDevice]
    let connections: Int
    /// The most connects per second over all connectors (`load.rate`); nil: unpaced.
    let rate: Double?
    let broker: ChaosDevice.Broker
    let recorder: ChaosRecorder

    /// Runs until `deadline` (Unix seconds).
    func run(until deadline: Double) async {
        let shares = (0..<connections).map { index in stride(from: index, to: devices.count, by: connections).map { devices[$0] } }
        await withTaskGroup(of: Void.self) { group in
            for share in shares where !share.isEmpty {
                group.addTask { await connector(share, until: deadline) }
            }
        }
    }

    /// What a valid TOTP device last had accepted, and whether it was replayed yet.
    private struct TOTPUse {
        var code: String
        var replayed: Bool
    }

    private func connector(_ share: [ChaosDevice], until deadline: Double) async {
        var used: [String: TOTPUse] = [:]
        // With a rate, each connector starts its connects `connections / rate` seconds apart.
        let spacing = rate.map { Double(connections) / $0 } ?? 0
        var nextStart = Date().timeIntervalSince1970
        while Date().timeIntervalSince1970 < deadline {
            var attempted = false
            for device in share {
                guard Date().timeIntervalSince1970 < deadline else { return }
                var now = Date().timeIntervalSince1970
                var credential = device.credential
                var code = device.totpCode(at: Int64(now))
                if device.method == .totp, device.credential == .valid, let last = used[device.name], last.code == code {
                    // This step's code was accepted already: replay it once, then wait for the next step.
                    guard !last.replayed else { continue }
                    used[device.name]?.replayed = true
                    credential = .replay
                    code = last.code
                }
                if spacing > 0 {
                    let wait = nextStart - Date().timeIntervalSince1970
                    if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
                    nextStart = max(nextStart + spacing, Date().timeIntervalSince1970 - spacing)
                    now = Date().timeIntervalSince1970
                    guard now < deadline else { return }
                }
                let outcome = await attempt(device, code: code)
                let seconds = Date().timeIntervalSince1970 - now
                attempted = true
                await recorder.record(ChaosFacts.Attempt(method: device.method, credential: credential, start: now,
                                                         seconds: seconds, outcome: outcome))
                if device.method == .totp, credential == .valid, outcome == .granted, let code {
                    used[device.name] = TOTPUse(code: code, replayed: false)
                }
            }
            // Only TOTP devices waiting for their next step: pace instead of spinning.
            if !attempted { try? await Task.sleep(for: .milliseconds(200)) }
        }
    }

    /// One connect: granted, denied by the broker (or by the TLS handshake, for a foreign
    /// certificate), or failed some other way.
    private func attempt(_ device: ChaosDevice, code: String?) async -> ChaosFacts.Outcome {
        let client = MQTTClient(configuration: device.configuration(broker, code: code))
        do {
            _ = try await client.connect()
            await client.disconnect()
            return .granted
        } catch {
            if error.code == .refused || error.code == .authenticationFailed { return .denied }
            if device.method == .certificate && device.credential == .invalid
                && (error.code == .connectionFailed || error.code == .connectionClosed) {
                return .denied
            }
            return .failed
        }
    }
}
