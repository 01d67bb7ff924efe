import Logging
import PostgresNIO

extension PostgresStore {
    /// Starts (once, with the first follower) the LISTEN task and a one-second ticker, both of
    /// which only wake the followers; a CLI that never follows the log holds no LISTEN connection.
    func startWaking() {
        let first = listening.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        let (client, feed, logger) = (self.client, self.feed, self.logger)
        appendBackground(Task { await PostgresStore.listen(client: client, feed: feed, logger: logger) })
        appendBackground(Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                feed.wake()
            }
        })
    }

    /// LISTENs on one pooled connection and wakes the followers on every notification and every
    /// time the subscription is (re)established — the catch-up for whatever committed while it
    /// was down; reconnects with exponential backoff (100 ms doubling to 5 s) until cancelled.
    private static func listen(client: PostgresClient, feed: ChangeFeed, logger: Logger) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: eventChannel) { notifications in
                        failures = 0
                        feed.wake()
                        for try await _ in notifications { feed.wake() }
                    }
                }
            } catch {
                // A closed pool is the store closing (or dropped as the process ends), not a
                // lost connection: nothing to say, nothing to reconnect.
                if Task.isCancelled || (error as? PSQLError)?.code == .poolClosed { return }
                logger.warning("change-log listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
            }
            guard !Task.isCancelled else { return }
            failures += 1
            let delay = min(100 << min(failures, 6), 5_000)
            try? await Task.sleep(for: .milliseconds(delay))
        }
    }
}
