import Dispatch
import Foundation
import Synchronization

/// Waits for a line in a child process's output instead of polling for its side effects.
///
/// Reads the descriptor to its end on a thread of its own — so the child never blocks on a
/// full pipe, however much it logs — and wakes ``waitForMarker(timeout:)`` as soon as the
/// marker appears, or when the output ends (the child exited) without it.
public final class OutputWatch: Sendable {
    private struct State {
        var text = ""
        var ready = false
    }

    private let state = Mutex(State())
    private let signal = DispatchSemaphore(value: 0)
    private let marker: String

    /// Starts reading `fileDescriptor` (for example a `Pipe`'s read end) right away. It reads
    /// its own duplicate of the descriptor, so the caller may close or drop the original.
    public init(fileDescriptor: Int32, marker: String) {
        self.marker = marker
        let watch = self, own = dup(fileDescriptor)
        Thread { watch.pump(own) }.start()
    }

    /// `true` once the marker appeared; `false` when the output ended first or `timeout` passed.
    public func waitForMarker(timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        _ = signal.wait(timeout: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
        return state.withLock { $0.ready }
    }

    /// What was read so far (the first 64 KiB), for failure messages.
    public var text: String { state.withLock { $0.text } }

    private func pump(_ descriptor: Int32) {
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let chunk = String(decoding: buffer[..<count], as: UTF8.self)
            let becameReady = state.withLock { state -> Bool in
                if state.text.utf8.count < 65_536 { state.text += chunk }
                guard !state.ready, state.text.contains(marker) else { return false }
                state.ready = true
                return true
            }
            if becameReady { signal.signal() }
        }
        if !state.withLock({ $0.ready }) { signal.signal() }
    }
}
