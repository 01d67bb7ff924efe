import CastellanAdmin
import Foundation
import Supervision

/// How supervision events look in a terminal: one aligned line each, or one JSON object each.
enum EventLine {
    static func text(_ event: SupervisionEvent) -> String {
        line(event.timestamp, event.name, event.path, event.detail)
    }

    /// An event read from the admin API, in the same layout as a local one.
    static func text(_ event: AdminEvent) -> String {
        line(Date(timeIntervalSince1970: event.timestamp), event.event, event.path, event.detail)
    }

    private static func line(_ timestamp: Date, _ name: String, _ path: String, _ detail: String) -> String {
        let time = timestamp.formatted(.iso8601.time(includingFractionalSeconds: true))
        return "\(time)  \(name.padding(toLength: 21, withPad: " ", startingAt: 0)) \(path)  \(detail)"
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
