import Testing
import SupervisionTesting
@testable import CastellanBridge

@Suite struct BridgeFrameTests {
    static let golden = (try? GoldenFrames.load()) ?? GoldenFrames()

    @Test func goldenFile_hasFramesOfEveryTypeAndMalformedOnes() throws {
        let golden = try GoldenFrames.load()
        let types = Set(golden.frames.compactMap { try? BridgeFrame.decode(frame: $0.bytes, from: $0.direction).message.typeCode })
        #expect(types == [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x81, 0x82, 0x83, 0x90, 0x91, 0x92])
        #expect(golden.malformed.count >= 20)
    }

    @Test(arguments: golden.frames)
    func goldenFrame_decodesToItsFields(_ frame: GoldenFrames.Frame) throws {
        let decoded = try BridgeFrame.decode(frame: frame.bytes, from: frame.direction)
        #expect(FixtureFields.lines(of: decoded) == frame.fields)
    }

    @Test(arguments: golden.frames)
    func goldenFrame_encodesToItsBytes(_ frame: GoldenFrames.Frame) throws {
        let decoded = try BridgeFrame.decode(frame: frame.bytes, from: frame.direction)
        #expect(decoded.encoded() == frame.bytes)
    }

    @Test(arguments: golden.frames)
    func goldenFrame_isRefusedFromTheOtherDirection(_ frame: GoldenFrames.Frame) {
        let other: BridgeDirection = frame.direction == .plugin ? .service : .plugin
        #expect(throws: BridgeFrameError.self) { try BridgeFrame.decode(frame: frame.bytes, from: other) }
    }

    @Test(arguments: golden.malformed)
    func malformedFrame_isRefused(_ frame: GoldenFrames.Malformed) {
        #expect(throws: BridgeFrameError.self) { try BridgeFrame.decode(frame: frame.bytes, from: frame.direction) }
    }

    @Test func absentAndEmptyFields_areDistinct() throws {
        let absent = BridgeFrame(id: 9, .basicAuth(BasicAuthRequest(
            connection: 1, protocolLevel: .v5, address: "", clientID: nil, username: nil, password: nil)))
        let empty = BridgeFrame(id: 9, .basicAuth(BasicAuthRequest(
            connection: 1, protocolLevel: .v5, address: "", clientID: [], username: [], password: [])))
        #expect(absent.encoded() != empty.encoded())
        #expect(try BridgeFrame.decode(frame: absent.encoded(), from: .plugin) == absent)
        #expect(try BridgeFrame.decode(frame: empty.encoded(), from: .plugin) == empty)
    }

    @Test func largestRuleSet_fitsInOneFrame() throws {
        let rules = [UInt8](repeating: 0x61, count: 131_587)
        let frame = BridgeFrame(id: 1, .decision(BridgeDecision(result: .allow, username: "dev1", rules: rules)))
        #expect(try BridgeFrame.decode(frame: frame.encoded(), from: .service) == frame)
    }

    /// Mutated golden frames (flipped bits, cut, extended, spliced) never trap: each either
    /// decodes to a frame that re-encodes to the same bytes, or is refused.
    @Test func mutatedFrames_decodeCanonicallyOrAreRefused() throws {
        var random = SeededRandom(seed: 0xB1D6E)
        let seeds = try GoldenFrames.load().frames
        var refused = 0
        for _ in 0..<20_000 {
            let seed = seeds[Int(random.next() % UInt64(seeds.count))]
            var bytes = seed.bytes
            switch random.next() % 4 {
            case 0:
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
            case 1:
                bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
            case 2:
                bytes.append(contentsOf: (0..<(1 + random.next() % 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            default:
                let index = Int(random.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: random.next())
            }
            do {
                let frame = try BridgeFrame.decode(frame: bytes, from: seed.direction)
                #expect(frame.encoded() == bytes)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 10_000)
    }
}
