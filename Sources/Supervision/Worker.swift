/// A pooled worker: a mailbox and a loop that hands each request to its ``WorkerBehavior``.
///
/// The loop is the worker's own task, owned by its supervisor. A throw out of the behavior
/// ends the loop — a crash — and the requests it still holds (the one in hand and those
/// queued, told apart: only the one in hand may have run) go back to its pool when the
/// supervisor declares the instance dead, including when a watchdog abandons it mid-request.
final class Worker<Behavior: WorkerBehavior>: ChildProcess {
    typealias Letter = Envelope<Behavior.Request, Behavior.Response>

    let context: ChildContext
    let assignment: Letter.Assignment
    private let initial: Behavior
    private let executor: (any TaskExecutor)?
    /// Holds only letters: ``send(_:)`` is the one way in.
    private let mailbox = Mailbox()
    private let onTerminated: @Sendable (Worker, _ inHand: Letter?, _ queued: [Letter], ExitReason) -> Void

    init(context: ChildContext, behavior: Behavior, executor: (any TaskExecutor)? = nil,
         onTerminated: @escaping @Sendable (Worker, _ inHand: Letter?, _ queued: [Letter], ExitReason) -> Void) {
        self.context = context
        self.assignment = .init(path: context.path, generation: context.generation)
        self.initial = behavior
        self.executor = executor
        self.onTerminated = onTerminated
    }

    /// Requests queued behind the one in hand.
    var queued: Int { mailbox.count }

    /// Queues `letter` for this instance; `false` once it stopped accepting.
    func send(_ letter: Letter) -> Bool {
        letter.assign(assignment)
        return mailbox.send(letter)
    }

    func run() async throws {
        try await withTaskExecutorPreference(executor) { try await serve() }
    }

    private func serve() async throws {
        var behavior = initial
        while let element = await mailbox.receive() {
            // Unchecked, and safe: `send(_:)` only ever puts letters in this mailbox.
            let letter = unsafeDowncast(element, to: Letter.self)
            letter.begin()
            context.beginRequest()
            let response: Behavior.Response
            do {
                response = try await behavior.handle(letter.request)
            } catch {
                mailbox.stopAccepting()  // let the pool route around this instance at once
                throw error
            }
            context.endRequest()
            letter.reply(.success(response), from: assignment)
            mailbox.done()
        }
    }

    var stopsGracefully: Bool { true }

    /// Graceful: accept nothing new, finish what is queued, then return.
    func stop() async { mailbox.stopAccepting() }

    func terminated(_ reason: ExitReason) {
        let (inHand, queued) = mailbox.close()
        onTerminated(self, inHand.map { unsafeDowncast($0, to: Letter.self) }, queued.map { unsafeDowncast($0, to: Letter.self) }, reason)
    }
}
