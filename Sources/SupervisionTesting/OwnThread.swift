import Foundation

/// Runs `work`, which blocks (a tool run to its end, a socket read with a timeout), on a thread
/// of its own and awaits its result.
///
/// A test must not block one of the cooperative pool's threads for that long: there are as
/// many as cores (two on the CI machine), and every suite running beside it — and any
/// in-process service — needs them.
public func onThreadOfItsOwn<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
