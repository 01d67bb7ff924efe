/// Secret comparisons that take the same time whether the inputs differ early or late.
///
/// Every comparison of a secret-derived value (TOTP codes, SCRAM proofs, tokens) goes
/// through here, so a timing side channel cannot reveal how many leading bytes matched.
/// Lengths are not secret: inputs of different lengths compare unequal immediately.
public enum ConstantTime {
    /// `true` when `a` and `b` hold the same bytes; runs in time linear in their length.
    public static func equal<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
