import NIOCore

/// Runs Swift tasks on a NIO event loop thread: a broker session's loop and its per-request
/// tasks prefer the thread their channel's I/O happens on.
///
/// Without it every frame crossed threads twice before any work was done — the event loop
/// resumed the session task on the global executor (a futex wake-up of another thread), and
/// every reply went back through the event loop's wake-up pipe. On this 2-core VM each
/// crossing costs tens of microseconds; a connect made six to eight of them. Now a frame is
/// decoded, dispatched and answered on one thread; only the pool worker is elsewhere.
///
/// A job enqueued from the loop's own thread is appended to the loop's task queue (no
/// wake-up); from another thread (a worker's reply), the loop is woken once.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
    }
}
