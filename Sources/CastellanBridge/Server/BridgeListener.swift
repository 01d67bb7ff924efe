import NIOCore
import NIOPosix
import Synchronization

/// A connection from one broker's plugin, framed and ready for ``BrokerSession``.
public typealias BridgeChannel = NIOAsyncChannel<BridgeFrame, BridgeFrame>

/// Accepts plugin connections on the bridge socket.
public enum BridgeListener {
    /// Binds `path` (after ``BridgeSocket/prepare(path:)``), sets its mode, and hands every
    /// accepted connection to `accept` until the task is cancelled or the socket fails.
    ///
    /// `accept` should return quickly (start a session elsewhere): it runs in the accept loop.
    /// Accepted connections are spread over `group`'s loops (the ``DecisionThreads``).
    ///
    /// Why the accepted connections travel as plain channels, wrapped only here: NIO traps —
    /// ending the process — when an async channel it made for an accepted connection is
    /// released unused ("Deinited NIOAsyncWriter without calling finish()", swift-nio #2637),
    /// and a connection accepted just as the listener's task is cancelled is exactly that: a
    /// broker connecting while the listener restarted took the whole service down. A plain
    /// channel nobody took is closed when the listening socket closes ( ``Claim``); one that
    /// is taken is wrapped on its event loop before it reads anything (`autoRead` off until then).
    public static func run(
        path: String, mode: UInt32 = 0o660, group: any EventLoopGroup,
        listening: @Sendable () -> Void = {}, accept: @Sendable (BridgeChannel) async -> Void
    ) async throws {
        try BridgeSocket.prepare(path: path)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .childChannelOption(.autoRead, value: false)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let claim = Claim()
                    channel.parent?.closeFuture.whenComplete { _ in
                        if claim.take() { channel.close(promise: nil) }
                    }
                    return Accepted(channel: channel, claim: claim)
                }
            }
        try BridgeSocket.setMode(mode, path: path)
        listening()
        try await withTaskCancellationHandler {
            try await server.executeThenClose { connections in
                for try await accepted in connections where accepted.claim.take() {
                    let channel = accepted.channel
                    let framed = try? await channel.eventLoop.submit {
                        let framed = try channel.bridgeAsyncChannel(decoding: .plugin)
                        try channel.syncOptions?.setOption(.autoRead, value: true)
                        return framed
                    }.get()
                    if let framed { await accept(framed) } else { channel.close(promise: nil) }
                }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }

    private struct Accepted: Sendable {
        let channel: any Channel
        let claim: Claim
    }

    /// Who gets an accepted channel: the accept loop, or — once the listening socket closed
    /// with the channel still untaken — the closer. Exactly one of them.
    private final class Claim: Sendable {
        private let taken = Atomic(false)

        /// `true` for the first caller only.
        func take() -> Bool { taken.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
    }
}
