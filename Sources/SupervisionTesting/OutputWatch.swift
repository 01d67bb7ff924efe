import Foundation
import Synchronization

/// Waits for a line in a child process's output instead of polling for its side effects.
///
/// Reads the descriptor to its end on a thread of its own — so the child never blocks on a
/// full pipe, however much it logs — and wakes ``waitForMarker(timeout:)`` as soon as the
/// marker appears, or when the output ends (the child exited) without it.
///
/// The wait suspends, never blocks: a test waiting for a process that takes seconds to start
/// must not hold one of the few threads of Swift's cooperative pool, which every other suite
/// running in parallel (and any in-process service) needs.
public final class OutputWatch: Sendable {
    private struct State {
        var text = ""
        var ready = false
        var ended = false
        /// Waiters to wake when the marker appears or the output ends.
        var waiters: [AsyncStream<Void>.Continuation] = []
    }

    private let state = Mutex(State())
    private let marker: String

    /// Starts reading `fileDescriptor` (for example a `Pipe`'s read end) right away. It reads
    /// its own duplicate of the descriptor, so the caller may close or drop the original.
    public init(fileDescriptor: Int32, marker: String) {
        self.marker = marker
        let watch = self, own = dup(fileDescriptor)
        Thread { watch.pump(own) }.start()
    }

    /// `true` once the marker appeared; `false` when the output ended first or `timeout` passed.
    public func waitForMarker(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.settled() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return state.withLock { $0.ready }
    }

    /// What was read so far (the first 64 KiB), for failure messages.
    public var text: String { state.withLock { $0.text } }

    /// Returns when the marker appeared or the output ended, or when the task is cancelled.
    private func settled() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let settled = state.withLock { state -> Bool in
            if state.ready || state.ended { return true }
            state.waiters.append(continuation)
            return false
        }
        if settled { return }
        for await _ in stream {}
    }

    private func pump(_ descriptor: Int32) {
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let chunk = String(decoding: buffer[..<count], as: UTF8.self)
            let wake = state.withLock { state -> [AsyncStream<Void>.Continuation] in
                if state.text.utf8.count < 65_536 { state.text += chunk }
                guard !state.ready, state.text.contains(marker) else { return [] }
                state.ready = true
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            for waiter in wake { waiter.finish() }
        }
        let wake = state.withLock { state -> [AsyncStream<Void>.Continuation] in
            state.ended = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in wake { waiter.finish() }
    }
}
