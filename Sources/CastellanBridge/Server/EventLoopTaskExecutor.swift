import NIOCore

/// Runs Swift tasks on a NIO event loop thread: a decision lane's requests and the pool
/// workers placed on that lane prefer the thread their lane's I/O happens on.
///
/// Without it every frame crossed threads twice before any work was done — the event loop
/// resumed the session task on the global executor (a futex wake-up of another thread), and
/// every reply went back through the event loop's wake-up pipe. On a 2-core VM each crossing
/// costs tens of microseconds; a connect made six to eight of them. Now a lone request is
/// decoded, decided and answered on one thread.
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
