import Testing
@testable import CastellanClient
import SupervisionTesting

@Suite("MQTT codec fuzzing")
struct MQTTCodecFuzzTests {
    /// 100,000 inputs: half random bytes behind a plausible header, half mutated valid packets.
    /// A trap would kill the test process; every outcome here must be a packet, `nil` or a
    /// typed error, and every decoded packet must encode again.
    @Test("100,000 random and mutated inputs never crash the decoder")
    func randomAndMutatedInputs_neverCrash() throws {
        var random = SeededRandom(seed: 0xC0FF_EE00_5EED)
        var seeds: [(MQTTProtocolVersion, [UInt8])] = []
        for version in MQTTProtocolVersion.allCases {
            for packet in SamplePackets.all(version) { seeds.append((version, try packet.encode(version: version))) }
        }
        var decoded = 0
        var refused = 0
        for round in 0..<100_000 {
            let version: MQTTProtocolVersion
            var bytes: [UInt8]
            if round % 2 == 0 {
                version = Bool.random(using: &random) ? .v5 : .v3_1_1
                let count = Int.random(in: 0...40, using: &random)
                bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
                if count >= 2, Bool.random(using: &random) {
                    bytes[1] = UInt8(count - 2) & 0x7F
                }
            } else {
                let seed = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                version = seed.0
                bytes = seed.1
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    mutate(&bytes, using: &random)
                }
            }
            let decoder = MQTTPacketDecoder(version: version, maximumPacketSize: 4096)
            do {
                if let (packet, _) = try decoder.decode(bytes[...]) {
                    decoded += 1
                    _ = try? packet.encode(version: version)
                }
            } catch {
                refused += 1
            }
        }
        #expect(decoded > 1_000)
        #expect(refused > 10_000)
    }

    private func mutate(_ bytes: inout [UInt8], using random: inout SeededRandom) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8.random(in: 0...255, using: &random))
            return
        }
        let index = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
        case 1: bytes[index] = UInt8.random(in: 0...255, using: &random)
        case 2: bytes.remove(at: index)
        case 3: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
        default: bytes.removeLast(Int.random(in: 0...bytes.count - index - 1, using: &random))
        }
    }
}
