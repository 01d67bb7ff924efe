import ArgumentParser
import CastellanClient

/// `castellan client connect`: log in, report the CONNACK, disconnect.
struct ClientConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect", abstract: "Connect, print whether the broker accepted, disconnect.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = MQTTClient(configuration: try options.configuration())
        do {
            let result = try await client.connect()
            await client.disconnect()
            ClientOutput.emit(json: options.json,
                              ["result": "accepted", "client_id": result.clientID, "session_present": result.sessionPresent],
                              text: "accepted: client id \(result.clientID)")
        } catch {
            await client.close()
            throw ClientOutput.fail(error, json: options.json)
        }
    }
}
