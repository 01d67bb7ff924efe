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
            // The method the broker confirmed: with --scram over --tls, whether it is the -PLUS form.
            let method = result.properties.authenticationMethod
            var fields: [String: any Sendable] = ["result": "accepted", "client_id": result.clientID, "session_present": result.sessionPresent]
            if let method { fields["auth_method"] = method }
            ClientOutput.emit(json: options.json, fields, text: "accepted: client id \(result.clientID)" + (method.map { " (\($0))" } ?? ""))
        } catch {
            await client.close()
            throw ClientOutput.fail(error, json: options.json)
        }
    }
}
