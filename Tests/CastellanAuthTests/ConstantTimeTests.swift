import Testing
import CastellanAuth

@Test func constantTime_equalBytes_areEqual() {
    #expect(ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
}

@Test func constantTime_anyDifferingByteOrLength_isUnequal() {
    #expect(!ConstantTime.equal([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
    #expect(!ConstantTime.equal([9, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
    #expect(!ConstantTime.equal([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
}

@Test func systemEntropy_returnsRequestedCount_andVaries() throws {
    let a = try SystemEntropy().bytes(32), b = try SystemEntropy().bytes(32)
    #expect(a.count == 32)
    #expect(a != b)
}
