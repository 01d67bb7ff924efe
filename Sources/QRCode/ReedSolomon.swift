/// The Reed–Solomon error correction codewords of one QR Code block.
///
/// QR Code uses a systematic code: the block's data codewords are sent as they are, followed by
/// the remainder of data(x) · x^n divided by the generator polynomial
/// g(x) = (x − α⁰)(x − α¹)…(x − αⁿ⁻¹), where n is the number of error correction codewords.
struct ReedSolomon: Sendable {
    /// g(x)'s coefficients from x^(n−1) down to x⁰; the leading x^n coefficient (always 1) is left out.
    let generator: [UInt8]

    /// The encoder that produces `degree` error correction codewords per block.
    init(degree: Int) {
        precondition((1...255).contains(degree), "a Reed–Solomon degree must be 1...255")
        // Start from g(x) = 1 and multiply in one (x − αⁱ) at a time. In GF(2⁸) subtraction is
        // XOR, so (x − αⁱ) is (x + αⁱ): shift up by one degree and add the old polynomial times αⁱ.
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                coefficients[j] = GaloisField256.multiply(coefficients[j], root)
                if j + 1 < degree { coefficients[j] ^= coefficients[j + 1] }
            }
            root = GaloisField256.multiply(root, 2)
        }
        generator = coefficients
    }

    /// The error correction codewords for `data`: (data(x) · x^n) mod g(x), highest term first.
    func remainder(of data: [UInt8]) -> [UInt8] {
        // Polynomial long division, keeping only the running remainder (a shift register).
        var remainder = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for i in 0..<generator.count {
                remainder[i] ^= GaloisField256.multiply(generator[i], factor)
            }
        }
        return remainder
    }
}
