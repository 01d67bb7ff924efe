import NIOCore
import NIOEmbedded
import Testing
@testable import CastellanBridge

/// The frame reader on a channel: frames split anyhow across reads come out whole and in order;
/// the first malformed byte ends the stream with an error, and nothing after it is read.
@Suite struct BridgeFrameReaderTests {
    static let golden = (try? GoldenFrames.load()) ?? GoldenFrames()
    static var pluginFrames: [GoldenFrames.Frame] { golden.frames.filter { $0.direction == .plugin } }

    /// What a channel with only the reader makes of `bytes`, cut into reads of `size` bytes,
    /// then closed: the frames, and the error, if any.
    static func read(_ bytes: [UInt8], in size: Int) throws -> (frames: [BridgeFrame], error: (any Error)?) {
        let channel = EmbeddedChannel(handler: BridgeFrameReader(decoding: .plugin))
        var frames: [BridgeFrame] = []
        func drain() throws { while let frame = try channel.readInbound(as: BridgeFrame.self) { frames.append(frame) } }
        do {
            for start in stride(from: 0, to: bytes.count, by: size) {
                try channel.writeInbound(channel.allocator.buffer(bytes: bytes[start..<min(start + size, bytes.count)]))
                try drain()
            }
            _ = try channel.finish()
            try drain()
        } catch {
            try drain()
            return (frames, error)
        }
        return (frames, nil)
    }

    @Test(arguments: [1, 2, 3, 5, 7, 64, 1 << 20])
    func everyPluginFrame_inReadsOfAnySize_comesOutWholeAndInOrder(size: Int) throws {
        let frames = Self.pluginFrames
        #expect(frames.count >= 5)
        let decoded = try Self.read(frames.flatMap(\.bytes), in: size)
        #expect(decoded.error == nil)
        #expect(decoded.frames == (try frames.map { try BridgeFrame.decode(frame: $0.bytes, from: .plugin) }))
    }

    @Test(arguments: golden.malformed.filter { $0.direction == .plugin && !$0.bytes.isEmpty })
    func malformedBytes_endTheStreamWithAnError_andNothingBehindThemIsRead(_ malformed: GoldenFrames.Malformed) throws {
        let behind = try #require(Self.pluginFrames.first).bytes
        for size in [1, 4, 1 << 20] {
            let decoded = try Self.read(malformed.bytes + behind + behind, in: size)
            #expect(decoded.error is BridgeFrameError, "\(String(describing: decoded.error))")
            // The malformed bytes may begin with a whole frame; what follows them is never read.
            #expect(decoded.frames.count <= 1)
        }
    }

    @Test func aLengthOutOfRange_isRefusedAsSoonAsItsFourBytesArrive() throws {
        let channel = EmbeddedChannel(handler: BridgeFrameReader(decoding: .plugin))
        #expect(throws: BridgeFrameError.badLength(BridgeFrame.maxBodyLength + 1)) {
            try channel.writeInbound(channel.allocator.buffer(bytes: [0x00, 0x04, 0x00, 0x01]))
        }
        try channel.writeInbound(channel.allocator.buffer(bytes: try #require(Self.pluginFrames.first).bytes))
        #expect(try channel.readInbound(as: BridgeFrame.self) == nil)
    }

    @Test func aFrameCutShortByTheClose_isAnError() throws {
        let frame = try #require(Self.pluginFrames.first).bytes
        let decoded = try Self.read(frame + frame.dropLast(), in: frame.count)
        #expect(decoded.frames.count == 1)
        #expect(decoded.error as? BridgeFrameError == .truncated)
    }
}
