import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The connection the connect path reads through (``PostgresStore/connectProfile(device:)``):
/// one of its own, outside the pool, on the event loop the store was given.
///
/// Why not the pool: leasing and releasing a pooled connection runs the pool's state machine
/// and a continuation for every read, about a fifth of the client's CPU per read in `perf` of
/// `castellan bench store`, and the read is one prepared statement on one connection anyway.
/// Several reads at once share the connection; PostgreSQL answers them in order.
///
/// Connects on first use. A connection found closed is replaced before a read; a read that
/// fails is not retried (the caller denies: fail closed), and its connection is closed, so
/// the next read connects again.
final class PostgresConnectReader: Sendable {
    private enum State {
        case idle
        case connecting(Task<PostgresConnection, any Error>)
        case connected(PostgresConnection)
    }

    private let configuration: PostgresConnection.Configuration
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let state = Mutex(State.idle)

    init(configuration: PostgresConnection.Configuration, eventLoop: any EventLoop, logger: Logger) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Runs `body` on the connection.
    func run<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var connection = try await self.connection()
        if connection.isClosed {
            await forget(connection)
            connection = try await self.connection()
        }
        do {
            return try await body(connection)
        } catch {
            // Whether the connection is still good is not known yet when the error arrives (a
            // terminated backend's close follows its error): start afresh on any failure.
            await forget(connection)
            throw error
        }
    }

    /// A store dropped without ``close()``: closes the connection anyway (postgres-nio asserts
    /// that a connection is closed before it goes), keeping it alive until it is.
    deinit {
        switch state.withLock({ $0 }) {
        case .idle: break
        case .connected(let connection): connection.close().whenComplete { _ in _ = connection }
        case .connecting(let task): Task { try? await task.value.close() }
        }
    }

    /// Closes the connection, if one was made. A later read connects again.
    func close() async {
        let previous = state.withLock { state in
            defer { state = .idle }
            return state
        }
        switch previous {
        case .idle: break
        case .connecting(let task): try? await task.value.close()
        case .connected(let connection): try? await connection.close()
        }
    }

    private func connection() async throws -> PostgresConnection {
        let (ready, pending) = state.withLock { state -> (PostgresConnection?, Task<PostgresConnection, any Error>?) in
            switch state {
            case .connected(let connection): return (connection, nil)
            case .connecting(let task): return (nil, task)
            case .idle:
                let (configuration, eventLoop, logger) = (self.configuration, self.eventLoop, self.logger)
                let task = Task {
                    try await PostgresConnection.connect(on: eventLoop, configuration: configuration, id: 1, logger: logger).get()
                }
                state = .connecting(task)
                return (nil, task)
            }
        }
        if let ready { return ready }
        guard let task = pending else { preconditionFailure("neither a connection nor a connect in progress") }
        do {
            let connection = try await task.value
            state.withLock { state in
                if case .connecting(let current) = state, current == task { state = .connected(connection) }
            }
            return connection
        } catch {
            state.withLock { state in
                if case .connecting(let current) = state, current == task { state = .idle }
            }
            throw error
        }
    }

    /// Drops `connection` so that the next read connects anew (unless another read already has).
    private func forget(_ connection: PostgresConnection) async {
        let dropped = state.withLock { state -> Bool in
            guard case .connected(let current) = state, current === connection else { return false }
            state = .idle
            return true
        }
        if dropped { try? await connection.close() }
    }
}
