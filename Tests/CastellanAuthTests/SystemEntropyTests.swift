import CastellanAuth
import Testing

/// The system CSPRNG, drawn eight bytes at a time: exactly the bytes asked for, none of them fixed.
@Suite struct SystemEntropyTests {
    @Test(arguments: [0, 1, 7, 8, 9, 24, 32, 33, 1000])
    func returnsExactlyTheCountAskedFor(_ count: Int) throws {
        #expect(try SystemEntropy().bytes(count).count == count)
    }

    /// Every byte value turns up, the byte after the last whole draw varies, and two draws differ.
    @Test func everyByteVaries() throws {
        let entropy = SystemEntropy()
        var seen = Set<UInt8>()
        // 16,384 bytes: the chance that some value is missing is about 256 · e^-64.
        for _ in 0..<64 { seen.formUnion(try entropy.bytes(256)) }
        #expect(seen.count == 256)
        let ninth = try (0..<64).map { _ in try entropy.bytes(9)[8] }
        #expect(Set(ninth).count > 1)
        #expect(try entropy.bytes(32) != entropy.bytes(32))
    }
}
