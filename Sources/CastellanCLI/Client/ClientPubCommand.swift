import ArgumentParser
import CastellanClient

/// `castellan client pub`: connect, publish one message, report the PUBACK code, disconnect.
struct ClientPubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pub", abstract: "Publish one message; with --qos 1, print the PUBACK reason code.")

    @OptionGroup var options: ClientOptions

    @Option(help: "Topic to publish to.")
    var topic: String

    @Option(help: "The message text.")
    var message: String

    @Option(help: "QoS: 0 or 1.")
    var qos: Int = 0

    @Flag(help: "Ask the broker to retain the message.")
    var retain = false

    func run() async throws {
        guard let level = MQTTQoS(rawValue: UInt8(clamping: qos)), level != .exactlyOnce, qos >= 0 else {
            throw ValidationError("--qos must be 0 or 1")
        }
        let client = MQTTClient(configuration: try options.configuration())
        do {
            _ = try await client.connect()
            let code = try await client.publish(topic: topic, payload: Array(message.utf8), qos: level, retain: retain)
            await client.disconnect()
            guard code.isSuccess else { throw MQTTClientError.refused(code, "publication refused") }
            ClientOutput.emit(json: options.json, ["result": "published", "reason_code": Int(code.rawValue)],
                              text: "published: reason code \(code)")
        } catch {
            await client.close()
            throw ClientOutput.fail(error, json: options.json)
        }
    }
}
