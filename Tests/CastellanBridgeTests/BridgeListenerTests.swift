import Foundation
import NIOCore
import NIOPosix
import Synchronization
import SupervisionTesting
import Testing
@testable import CastellanBridge

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BridgeListenerTests {
    /// Brokers connecting while the listener is cancelled (a restart, a stop): every connection
    /// NIO accepted still reaches `accept`, so none is released unused — which NIO answers with a
    /// trap that ends the process (swift-nio #2637) — and the listener returns.
    @Test func connectionsAcceptedAsTheListenerIsCancelled_allReachAccept_andTheListenerEnds() async throws {
        let folder = TemporaryDirectory()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        for round in 0..<20 {
            let path = folder.file("bridge-\(round).sock")
            let accepted = Mutex(0)
            let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
            let listener = Task {
                try await BridgeListener.run(path: path, group: group, listening: { readyContinuation.yield() }) { channel in
                    accepted.withLock { $0 += 1 }
                    try? await channel.executeThenClose { _, _ in }
                }
            }
            for await _ in ready { break }
            // Connections in flight while the cancellation lands.
            let connected = try await onThreadOfItsOwn { () -> Int in
                var count = 0
                for _ in 0..<40 {
                    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                    var address = sockaddr_un()
                    address.sun_family = sa_family_t(AF_UNIX)
                    withUnsafeMutableBytes(of: &address.sun_path) { raw in
                        for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
                    }
                    let result = withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                    }
                    if result == 0 { count += 1 }
                    close(fd)
                }
                return count
            }
            listener.cancel()
            try? await listener.value
            #expect(connected > 0)
            #expect(accepted.withLock { $0 } <= connected)
        }
        try await group.shutdownGracefully()
    }
}
