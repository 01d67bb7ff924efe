import Synchronization

/// A worker's inbox: many senders, one receiver, FIFO, closable.
///
/// Unlike `AsyncStream`, whatever was never finished can be taken back out (``close()``):
/// the queued elements and the one the receiver holds (received, not yet ``done()``).
/// The hand-over happens under the same lock as the close, so a dead worker's requests are
/// never lost between "received" and "being handled", even while the instance still hangs.
///
/// Not generic: it holds objects (a pool's envelopes), so its code is compiled once and
/// fully specialised. Generic over the envelope type it ran unspecialised for a pool whose
/// request type lives in another module, looking up the metadata of its own types on every
/// call: that was most of the cost of ``stopAccepting()`` on the crash path.
final class Mailbox: Sendable {
    typealias Element = any AnyObject & Sendable

    private struct State {
        var queue: [Element] = []
        var head = 0
        var waiter: CheckedContinuation<Element?, Never>?
        var accepting = true
        var receiverCancelled = false
        /// Received and not yet done: handed back by `close()`.
        var current: Element?

        mutating func pop() -> Element? {
            guard head < queue.count else { return nil }
            let element = queue[head]
            current = element
            head += 1
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    private let state = Mutex(State())

    /// Elements waiting to be received.
    var count: Int { state.withLock { $0.queue.count - $0.head } }

    /// Queues `element`; `false` once the mailbox stopped accepting.
    func send(_ element: Element) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Element?, Never>?) in
            guard state.accepting else { return (false, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                state.current = element
                return (true, waiter)
            }
            state.queue.append(element)
            return (true, nil)
        }
        waiter?.resume(returning: element)
        return accepted
    }

    /// The next element; `nil` once the mailbox is closed and drained, or the receiving task is cancelled.
    func receive() async -> Element? {
        if let element = state.withLock({ $0.pop() }) { return element }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Element?? = state.withLock { state in
                    if let element = state.pop() { return .some(element) }
                    if !state.accepting || state.receiverCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            // A cancelled receiver takes nothing more: its pool routes around it at once.
            let waiter = state.withLock { state in
                state.receiverCancelled = true
                state.accepting = false
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The receiver finished the element it holds.
    func done() { state.withLock { $0.current = nil } }

    /// Stops accepting; what is queued can still be received (a graceful stop drains it).
    func stopAccepting() {
        let waiter = state.withLock { state in
            state.accepting = false
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Stops accepting and returns everything not done: the element in hand (received, maybe
    /// half handled), and the queue (never received).
    func close() -> (inHand: Element?, queued: [Element]) {
        let (waiter, inHand, queued) = state.withLock { state in
            state.accepting = false
            let inHand = state.current
            let queued = Array(state.queue[state.head...])
            state.current = nil
            state.queue.removeAll()
            state.head = 0
            defer { state.waiter = nil }
            return (state.waiter, inHand, queued)
        }
        waiter?.resume(returning: nil)
        return (inHand, queued)
    }
}
