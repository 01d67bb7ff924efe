import NIOCore

/// An event loop as a task executor (NIO's loops are serial executors only): a task that
/// prefers it runs its nonisolated code, and resumes from its continuations, on the loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        // From the loop's own thread `execute` appends to its queue without waking anything.
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
