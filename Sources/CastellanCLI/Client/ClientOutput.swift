import ArgumentParser
import CastellanClient
import Foundation

/// Printing and exit codes shared by the `castellan client` subcommands.
enum ClientOutput {
    /// Prints one JSON object on one line (keys sorted) or a text line.
    static func emit(json: Bool, _ fields: [String: any Sendable], text: String) {
        guard json else {
            print(text)
            return
        }
        if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// Reports a client failure and returns the exit code: 1 for a refusal, 2 for anything else.
    static func fail(_ error: any Error, json: Bool) -> ExitCode {
        guard let error = error as? MQTTClientError else {
            emitError(json: json, "\(error)")
            return ExitCode(2)
        }
        if error.code == .refused, let reason = error.reasonCode {
            emit(json: json, ["result": "refused", "reason_code": Int(reason.rawValue), "reason": "\(reason)"],
                 text: "refused: reason code \(reason)")
            return ExitCode(1)
        }
        emitError(json: json, "\(error)")
        return ExitCode(2)
    }

    private static func emitError(json: Bool, _ message: String) {
        if json {
            emit(json: true, ["result": "error", "error": message], text: message)
        } else {
            FileHandle.standardError.write(Data("castellan client: \(message)\n".utf8))
        }
    }
}
