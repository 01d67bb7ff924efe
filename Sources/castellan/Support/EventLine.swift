import Foundation
import Supervision

/// How supervision events look in a terminal: one aligned line each, or one JSON object each.
enum EventLine {
    static func text(_ event: SupervisionEvent) -> String {
        let time = event.timestamp.formatted(.iso8601.time(includingFractionalSeconds: true))
        let name = event.name.padding(toLength: 21, withPad: " ", startingAt: 0)
        return "\(time)  \(name) \(event.path)  \(event.detail)"
    }

    static func json(_ event: SupervisionEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Writes one line to standard output at once (unbuffered), so live output shows live
/// even through a pipe.
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
