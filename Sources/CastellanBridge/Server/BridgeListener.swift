import NIOCore
import NIOPosix

/// A connection from one broker's plugin, framed and ready for ``BrokerSession``.
public typealias BridgeChannel = NIOAsyncChannel<BridgeFrame, BridgeFrame>

/// Accepts plugin connections on the bridge socket.
public enum BridgeListener {
    /// Binds `path` (after ``BridgeSocket/prepare(path:)``), sets its mode, and hands every
    /// accepted connection to `accept` until the task is cancelled or the socket fails.
    ///
    /// `accept` should return quickly (start a session elsewhere): it runs in the accept loop.
    public static func run(
        path: String, mode: UInt32 = 0o660, group: any EventLoopGroup = BridgeThread.group,
        listening: @Sendable () -> Void = {}, accept: @Sendable (BridgeChannel) async -> Void
    ) async throws {
        try BridgeSocket.prepare(path: path)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false) { channel in
                channel.eventLoop.makeCompletedFuture { try channel.bridgeAsyncChannel(decoding: .plugin) }
            }
        try BridgeSocket.setMode(mode, path: path)
        listening()
        try await withTaskCancellationHandler {
            try await server.executeThenClose { connections in
                for try await connection in connections { await accept(connection) }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }
}
