import CastellanBridge
import Foundation
import Glibc
import Testing

/// What a test starts through its fixtures is stopped also when the test throws.
@Suite struct FixturesTests {
    struct Thrown: Error {}

    @Test func aTestThatThrows_stillStopsItsBrokerAndItsService() async throws {
        var started: Stack?
        do {
            try await withStack { stack in
                started = stack
                throw Thrown()
            }
            Issue.record("withStack did not rethrow the test's error")
        } catch is Thrown {}
        let stack = try #require(started)
        #expect(!FileManager.default.fileExists(atPath: stack.broker.directory.path), "the broker's folder is left")
        #expect(kill(stack.broker.processIdentifier, 0) != 0, "the broker still runs")
        #expect(BridgeSocket.listenerProcessID(path: stack.service.socket) == nil, "the service still listens")
    }
}
