/// A supervisor's queue of messages: FIFO, closed for good when the supervisor terminates.
///
/// Plain actor state, not an `AsyncStream`: the supervisor must see whether anything is
/// queued to decide whether an exit may be handled at once on the exiting child's task
/// (see ``Supervisor``), and it takes what is queued back out when it closes.
struct Inbox<Message> {
    private var messages: [Message] = []
    private var head = 0
    private(set) var isClosed = false

    var isEmpty: Bool { head == messages.count }

    /// Queues `message`; `false` (and not queued) once closed.
    mutating func append(_ message: Message) -> Bool {
        guard !isClosed else { return false }
        messages.append(message)
        return true
    }

    mutating func popFirst() -> Message? {
        guard head < messages.count else { return nil }
        let message = messages[head]
        head += 1
        if head == messages.count {
            messages.removeAll(keepingCapacity: true)
            head = 0
        }
        return message
    }

    /// Closes the inbox and returns what was still queued, oldest first.
    mutating func close() -> [Message] {
        isClosed = true
        defer {
            messages.removeAll()
            head = 0
        }
        return Array(messages[head...])
    }
}
