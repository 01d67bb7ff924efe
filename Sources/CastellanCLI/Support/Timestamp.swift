import Foundation

/// How the CLI prints a time a person reads: ISO 8601 in UTC.
enum Timestamp {
    /// `2026-12-07T04:51:20Z` for Unix seconds.
    static func iso8601(seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}
