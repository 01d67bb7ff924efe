import CastellanAuth
import Logging
import PostgresNIO

extension PostgresStore {
    /// Starts the listener task and returns once its first LISTEN is acknowledged; throws if
    /// that first subscription fails (the store is then unusable for events, so `open` fails).
    func startListening() async throws {
        let (ready, readiness) = AsyncStream<Result<Void, any Error>>.makeStream()
        let task = Task { [client, broadcaster, logger] in
            await PostgresStore.listen(client: client, broadcaster: broadcaster, logger: logger, ready: readiness)
        }
        appendBackground(task)
        var iterator = ready.makeAsyncIterator()
        switch await iterator.next() {
        case .success?: return
        case .failure(let error)?: throw (error as? PSQLError).map(Self.storeError) ?? error
        case nil: throw CancellationError()
        }
    }

    /// LISTENs on one pooled connection and publishes every notification; reconnects with
    /// exponential backoff (100 ms doubling to 5 s) until cancelled.
    private static func listen(
        client: PostgresClient, broadcaster: StoreEventBroadcaster, logger: Logger,
        ready: AsyncStream<Result<Void, any Error>>.Continuation
    ) async {
        var pendingReady: AsyncStream<Result<Void, any Error>>.Continuation? = ready
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: eventChannel) { notifications in
                        pendingReady?.yield(.success(()))
                        pendingReady?.finish()
                        pendingReady = nil
                        failures = 0
                        for try await notification in notifications {
                            guard let event = StoreEvent(notificationPayload: notification.payload) else {
                                logger.warning("ignoring an unknown change event on \(eventChannel)")
                                continue
                            }
                            broadcaster.publish([event])
                        }
                    }
                }
            } catch {
                if let first = pendingReady {
                    first.yield(.failure(error))
                    first.finish()
                    return
                }
                if Task.isCancelled { return }
                logger.warning("change-event listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
            }
            guard !Task.isCancelled else { return }
            failures += 1
            let delay = min(100 << min(failures, 6), 5_000)
            try? await Task.sleep(for: .milliseconds(delay))
        }
        pendingReady?.yield(.failure(CancellationError()))
        pendingReady?.finish()
    }
}
