import CastellanBridge
import CSchedulerSlice
@testable import CastellanService
import Dispatch
import Foundation
import Synchronization
import Testing

/// Decisions run on every decision thread, and cold work (a key derivation, a first
/// certificate verification) on threads of its own: a cold check never delays a cached one.
@Suite struct DecisionThreadsTests {
    /// A cached connect is answered while a cold check of the same link is held on its thread:
    /// nothing of the cached path waits for cold work (with one decision thread or several).
    @Test(.timeLimit(.minutes(2)), arguments: [1, 2], [ColdKind.password, .certificate])
    func aColdCheck_doesNotDelayACachedConnect(threads: Int, cold kind: ColdKind) async throws {
        try await withFixtures { fixtures in
            let service = try await fixtures.service(configure: { $0.withDecisionThreads(threads) })
            try await service.addDevice("warm", policy: .password)
            try await service.setPassword("warm-password", for: "warm")
            let cold: BridgeMessage
            switch kind {
            case .password:
                try await service.addDevice("cold", policy: .password)
                try await service.setPassword("cold-password", for: "cold")
                cold = .password(2, client: "cold", username: "cold", password: "cold-password")
            case .certificate:
                try await service.addDevice("cold", policy: .cert)
                cold = .certificate(2, client: "cold", der: try await service.issueCertificate("cold").der())
            }
            let peer = try await PluginPeer.connect(to: service.socket)
            let warm = BridgeMessage.password(1, client: "warm", username: "warm", password: "warm-password")
            #expect(try await peer.decide(warm).result == .allow, "verified once, then cached")

            let hold = ColdHold()
            service.server.context.coldChecks.beforeEachCheck.withLock { $0 = hold.hook }
            let coldID = try await peer.send(cold)
            await hold.started()
            // The cold check is running now and cannot finish: the cached connect is decided anyway.
            #expect(try await peer.decide(warm).result == .allow)
            hold.release()
            #expect(try await peer.decision(for: coldID).result == .allow)
            await peer.close()
        }
    }

    /// One link's requests in flight are decided on more than one thread: while the first is held
    /// (its lane has a request in flight), the next goes to an idle lane.
    @Test(.timeLimit(.minutes(2)))
    func oneLinksRequests_areDecidedOnSeveralThreads() async throws {
        try await withFixtures { fixtures in
            // Three: a count no other test uses, so these threads carry this test's requests only.
            let service = try await fixtures.service(configure: { $0.withDecisionThreads(3) })
            let threads = service.server.context.threads
            #expect(threads.count == 3)
            try await service.addDevice("warm", policy: .password)
            try await service.setPassword("warm-password", for: "warm")
            try await service.addDevice("cold", policy: .password)
            try await service.setPassword("cold-password", for: "cold")
            let peer = try await PluginPeer.connect(to: service.socket)
            let warm = BridgeMessage.password(1, client: "warm", username: "warm", password: "warm-password")
            #expect(try await peer.decide(warm).result == .allow)
            // A failure on record keeps the device out of the fast lane (decided inline on the
            // link's own thread): this is about the requests that go the usual way.
            #expect(try await peer.decide(.password(3, client: "warm", username: "warm", password: "wrong-password")).result == .deny)
            let before = threads.decisionsPerThread

            let hold = ColdHold()
            service.server.context.coldChecks.beforeEachCheck.withLock { $0 = hold.hook }
            let coldID = try await peer.send(.password(2, client: "cold", username: "cold", password: "cold-password"))
            await hold.started()
            #expect(try await peer.decide(warm).result == .allow)
            hold.release()
            #expect(try await peer.decision(for: coldID).result == .allow)

            let after = threads.decisionsPerThread
            let used = (0..<threads.count).filter { after[$0] > before[$0] }
            #expect(used.count == 2, "decisions per thread before \(before), after \(after)")
            #expect(after[threads.count] == before[threads.count], "no decision was made off the decision threads")
            await peer.close()
        }
    }
}

/// Each decision thread asks Linux for a short scheduler slice (`bridge.decision_slice_us`), so a
/// thread woken by a plugin's request runs ahead of busy ones.
@Suite struct DecisionSliceTests {
    /// Whether this kernel takes a slice for SCHED_NORMAL threads (EEVDF's custom slices, Linux
    /// 6.12): an older one reports its default, zero, whatever was asked.
    static var kernelTakesSlices: Bool {
        let version = ProcessInfo.processInfo.operatingSystemVersion
        return (version.majorVersion, version.minorVersion) >= (6, 12)
    }

    /// Every thread has the slice asked for, as the kernel reports it; `.zero` asks for the
    /// kernel's default, which the test's own thread (never asked) has.
    @Test(arguments: [Duration.microseconds(250), .zero])
    func everyDecisionThread_hasTheSliceAskedFor(slice: Duration) async throws {
        // Two threads with a slice no service asks for: these threads are this test's own.
        let threads = DecisionThreads.shared(count: 2, slice: slice)
        let untouched = Duration.nanoseconds(Int64(castellan_scheduler_slice()))
        let granted = slice == .zero || !Self.kernelTakesSlices ? untouched : slice
        #expect(try await threads.slices() == [granted, granted])
        if Self.kernelTakesSlices { #expect(untouched != .zero && untouched != .microseconds(250)) }
    }

    /// `castellan serve` takes `bridge.decision_slice_us` from its file and says on its start line
    /// what its decision threads were granted.
    @Test(.timeLimit(.minutes(2)))
    func serve_asksForTheConfiguredSlice_andSaysWhatItGot() async throws {
        try await withFixtures { fixtures in
            let setup = try await fixtures.service(configure: {
                $0.replacingOccurrences(of: "# decision_slice_us: 100", with: "decision_slice_us: 300")
            })
            try await setup.stop()
            let serve = try await fixtures.serve(configuration: setup.configuration.file)
            let has = Self.kernelTakesSlices ? "300 µs" : "none reported"
            #expect(serve.output.text.contains("scheduler slice asked 300 µs, has \(has)"), "\(serve.output.text)")
        }
    }
}

enum ColdKind: Sendable, CustomTestStringConvertible {
    case password, certificate
    var testDescription: String { self == .password ? "password" : "certificate" }
}

/// Holds the first cold check on its own thread until released, and tells when it started.
final class ColdHold: Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let first = Atomic(true)
    private let (starts, starting) = AsyncStream<Void>.makeStream()

    /// Runs on a cold-check thread before each check (``ColdCheckPool/beforeEachCheck``).
    var hook: @Sendable () -> Void {
        { [self] in
            guard first.exchange(false, ordering: .relaxed) else { return }
            starting.yield()
            gate.wait()  // a cold-check thread of its own, not a cooperative one: blocking is fine
        }
    }

    func started() async {
        for await _ in starts { return }
    }

    func release() { gate.signal() }
}

extension String {
    /// This `castellan.yaml` with `bridge.decision_threads` set.
    func withDecisionThreads(_ count: Int) -> String {
        replacingOccurrences(of: "# decision_threads: 4", with: "decision_threads: \(count)")
    }
}
