@testable import CastellanService
import Dispatch
import Testing

/// The cold check pool refuses at once when full, so junk never queues up behind junk.
@Suite struct ColdCheckPoolTests {
    @Test func aFullPool_refusesAtOnce_andRunsChecksAgainOnceFree() async throws {
        let pool = ColdCheckPool(threads: 1, depth: 1)
        let release = DispatchSemaphore(value: 0)
        let (started, starting) = AsyncStream<Void>.makeStream()
        // Blocks the pool's own thread (not a cooperative one) until released.
        let first = Task { await pool.run { starting.yield(); release.wait(); return 1 } }
        for await _ in started { break }
        #expect(pool.load == 1)
        #expect(await pool.run { 2 } == nil, "full: refused without waiting")
        release.signal()
        #expect(await first.value == 1)
        #expect(await pool.run { 3 } == 3)
        #expect(pool.load == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func checksSpreadOverTheThreads() async throws {
        let pool = ColdCheckPool(threads: 2, depth: 2)
        let release = DispatchSemaphore(value: 0)
        let (started, starting) = AsyncStream<Void>.makeStream()
        let held = (0..<2).map { _ in Task { await pool.run { starting.yield(); release.wait(); return true } } }
        // Both start before either is released: they run on two threads at once.
        var running = 0
        for await _ in started {
            running += 1
            if running == 2 { break }
        }
        for _ in 0..<2 { release.signal() }
        for task in held { #expect(await task.value == true) }
    }
}
