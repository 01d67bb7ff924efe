import ArgumentParser
import CastellanAdmin
import CastellanStore
import Foundation

/// How the admin commands reach the running service: castellan.yaml names the listener
/// (`admin.listen`) and the token file (`admin.token_file`).
enum AdminConnection {
    /// A client for the service `config` names; failures print `label: message` and exit 1.
    static func client(_ config: ConfigOption, label: String) throws -> AdminClient {
        let (listen, token) = endpoint(config, label: label)
        return AdminClient(listen: listen, token: token)
    }

    /// The listener and token that `config` names; failures print `label: message` and exit 1.
    static func endpoint(_ config: ConfigOption, label: String) -> (listen: AdminListen, token: AdminToken) {
        do {
            let configuration = try config.load(.process())
            return (configuration.adminListen, try AdminToken.load(from: configuration.adminTokenFile))
        } catch {
            fail(label, error)
        }
    }

    /// Prints `castellan label: error` to standard error and exits 1.
    static func fail(_ label: String, _ error: any Error) -> Never {
        fail(label, "\(error)")
    }

    /// Prints `castellan label: message` to standard error and exits 1.
    static func fail(_ label: String, _ message: String) -> Never {
        FileHandle.standardError.write(Data("castellan \(label): \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// The body of an error response, for messages: `{"error": "..."}`'s text, or the raw body.
    static func reason(_ response: AdminClient.Response) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
           let message = object["error"] as? String {
            return message
        }
        return response.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
