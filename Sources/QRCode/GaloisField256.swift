/// Arithmetic in GF(2⁸), the field QR Code's Reed–Solomon codewords live in.
///
/// ISO/IEC 18004 fixes the field by its primitive polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D) and
/// the generator α = 2. Multiplication goes through log/antilog tables: it is the inner loop of
/// the Reed–Solomon division, and the tables are only 768 bytes.
enum GaloisField256 {
    /// The primitive polynomial, with its x⁸ term.
    static let primitive = 0x11D

    /// αⁱ for i in 0..<510: twice the period 255, so `exp[log a + log b]` needs no reduction.
    static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for i in 0..<255 {
            table[i] = UInt8(value)
            table[i + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= primitive }
        }
        return table
    }()

    /// log_α(a) for a ≠ 0 (entry 0 is unused: zero has no logarithm).
    static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for i in 0..<255 { table[Int(exp[i])] = i }
        return table
    }()

    /// a · b in the field (addition is plain XOR and needs no helper).
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }
}
