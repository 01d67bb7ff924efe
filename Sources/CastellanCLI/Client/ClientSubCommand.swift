import ArgumentParser
import CastellanClient

/// `castellan client sub`: subscribe and print messages, one per line, until --count are seen.
struct ClientSubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sub", abstract: "Subscribe and print messages (text: the payload; JSON: topic, payload, qos, retain).")

    @OptionGroup var options: ClientOptions

    @Option(help: "Topic filter to subscribe to.")
    var topic: String

    @Option(help: "Stop after this many messages (default: run until the connection ends).")
    var count: Int?

    @Option(help: "QoS to subscribe with: 0 or 1.")
    var qos: Int = 0

    func run() async throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard let level = MQTTQoS(rawValue: UInt8(clamping: qos)), level != .exactlyOnce, qos >= 0 else {
            throw ValidationError("--qos must be 0 or 1")
        }
        let client = MQTTClient(configuration: try options.configuration())
        do {
            _ = try await client.connect()
            let code = try await client.subscribe(to: topic, qos: level)
            guard code.isSuccess else { throw MQTTClientError.refused(code, "subscription refused") }
            var seen = 0
            for await message in client.messages {
                ClientOutput.emit(json: options.json,
                                  ["topic": message.topic, "payload": message.payloadString,
                                   "qos": Int(message.qos.rawValue), "retain": message.retain],
                                  text: message.payloadString)
                seen += 1
                if let count, seen >= count { break }
            }
            await client.disconnect()
        } catch {
            await client.close()
            throw ClientOutput.fail(error, json: options.json)
        }
    }
}
