import Foundation
import Synchronization

/// What an end-to-end test starts — services, stacks, `castellan serve` processes — stopped
/// when the test ends, however it ends: it returns, throws, or returns early after recording
/// an issue.
///
/// Swift has no `async defer`, so a test runs inside ``withFixtures(_:)`` (or its one-thing
/// forms ``withService(_:)`` and ``withStack(_:)``), which stops everything made through it
/// in reverse order of creation once the body is done. Stopping is idempotent, so a test may
/// still stop something early as part of its scenario. Should the test process itself die,
/// the brokers' and serve processes' watchdogs (``OwnerWatchdog``) take over.
final class Fixtures: Sendable {
    private let stops = Mutex<[@Sendable () async throws -> Void]>([])

    /// A fresh in-process service (see ``ServiceHarness/init(spec:store:sharing:)``).
    func service(spec: String? = nil, store: String? = nil, sharing other: ServiceHarness? = nil,
                 configure: ((String) -> String)? = nil) async throws -> ServiceHarness {
        let service = try await ServiceHarness(spec: spec, store: store, sharing: other, configure: configure)
        register { try await service.stop() }
        return service
    }

    /// A fresh in-process service on `other`'s folder (see ``ServiceHarness/init(restarting:)``).
    func restart(_ other: ServiceHarness) async throws -> ServiceHarness {
        let service = try await ServiceHarness(restarting: other)
        register { try await service.stop() }
        return service
    }

    /// A broker with the plugin in front of `service` — a fresh one when `nil` (see
    /// ``Stack/init(service:socket:timeoutMilliseconds:)``).
    func stack(service: ServiceHarness? = nil, socket: String? = nil, timeoutMilliseconds: Int = 20_000) async throws -> Stack {
        let service = if let service { service } else { try await self.service() }
        let stack = try await Stack(service: service, socket: socket, timeoutMilliseconds: timeoutMilliseconds)
        register { try await stack.stop() }
        return stack
    }

    /// `castellan serve --config FILE` as a process of its own, ready once its output holds
    /// `marker` (by default: the bridge is listening).
    func serve(configuration file: String, marker: String = "ready, bridge listening") async throws -> ServeProcess {
        let serve = try await ServeProcess(configuration: file, marker: marker)
        register { serve.kill() }
        return serve
    }

    private func register(_ stop: @escaping @Sendable () async throws -> Void) { stops.withLock { $0.append(stop) } }

    /// Stops everything, newest first; every stop runs even if one throws, and the first
    /// error is rethrown.
    fileprivate func stopAll() async throws {
        let stops = self.stops.withLock { stops in
            defer { stops.removeAll() }
            return stops
        }
        var firstError: (any Error)?
        for stop in stops.reversed() {
            do { try await stop() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}

/// Runs `body` with fresh ``Fixtures`` and stops all it made when `body` is done — also when
/// it throws, whose error then wins over one from stopping.
func withFixtures<T>(_ body: (Fixtures) async throws -> T) async throws -> T {
    let fixtures = Fixtures()
    let result: Result<T, any Error>
    do { result = .success(try await body(fixtures)) } catch { result = .failure(error) }
    do {
        try await fixtures.stopAll()
    } catch {
        if case .success = result { throw error }
    }
    return try result.get()
}

/// Runs `body` with a fresh service, stopped however `body` ends.
func withService<T>(_ body: (ServiceHarness) async throws -> T) async throws -> T {
    try await withFixtures { fixtures in try await body(try await fixtures.service()) }
}

/// Runs `body` with a fresh stack (service and broker), stopped however `body` ends.
func withStack<T>(_ body: (Stack) async throws -> T) async throws -> T {
    try await withFixtures { fixtures in try await body(try await fixtures.stack()) }
}
