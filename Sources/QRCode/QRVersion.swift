/// One of the 40 QR Code symbol sizes, with the numbers ISO/IEC 18004 gives for it.
///
/// Version v is a square of 4v + 17 modules. What is left after the function patterns is split
/// into data and error correction codewords in blocks, per error correction level (Table 9 of
/// the standard); the tables below are that table's two free columns per level, from which
/// everything else follows.
struct QRVersion: Sendable, Equatable {
    static let range = 1...40

    let number: Int

    init?(_ number: Int) {
        guard Self.range.contains(number) else { return nil }
        self.number = number
    }

    /// Modules on a side.
    var size: Int { number * 4 + 17 }

    /// Bits in the byte-mode character count indicator: 8 up to version 9, 16 above.
    var byteCountBits: Int { number <= 9 ? 8 : 16 }

    /// Row (and column) centres of the alignment patterns, Annex E.
    ///
    /// Computed rather than tabulated: the first is always 6, the last is size − 7, and the ones
    /// between are evenly spaced by an even step, rounded so that the leftover gap goes next to
    /// the 6 (this reproduces Annex E for all 40 versions, including the odd one out, version 32).
    var alignmentCentres: [Int] {
        guard number > 1 else { return [] }
        let count = number / 7 + 2
        let step = (number * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        return [6] + (0..<(count - 1)).map { size - 7 - $0 * step }.reversed()
    }

    /// Modules that carry codewords (data, error correction, and the few remainder bits): the
    /// whole square minus finders with separators, timing, alignment, format and version areas.
    var rawDataModules: Int {
        var result = (16 * number + 128) * number + 64
        if number >= 2 {
            let alignments = number / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if number >= 7 { result -= 36 }
        }
        return result
    }

    /// All codewords in the symbol, data and error correction (the remainder bits are left over).
    var totalCodewords: Int { rawDataModules / 8 }

    /// Error correction codewords in each block.
    func errorCorrectionPerBlock(_ level: QRCode.ErrorCorrection) -> Int {
        Self.errorCorrectionPerBlock[level.tableIndex][number - 1]
    }

    /// How many blocks the codewords are split into.
    func blockCount(_ level: QRCode.ErrorCorrection) -> Int {
        Self.blockCount[level.tableIndex][number - 1]
    }

    /// Data codewords (message, mode and count indicators, padding) at this level.
    func dataCodewords(_ level: QRCode.ErrorCorrection) -> Int {
        totalCodewords - errorCorrectionPerBlock(level) * blockCount(level)
    }

    /// The most bytes byte mode fits: what is left after the 4-bit mode indicator and the count.
    func byteCapacity(_ level: QRCode.ErrorCorrection) -> Int {
        (dataCodewords(level) * 8 - 4 - byteCountBits) / 8
    }

    // ISO/IEC 18004 Table 9, rows L, M, Q, H; columns versions 1...40.
    private static let errorCorrectionPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    private static let blockCount: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]
}
