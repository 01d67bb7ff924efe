/// A QR Code symbol under construction: the modules, and which of them are function patterns.
///
/// Function patterns (finders, separators, timing, alignment, format and version information,
/// the dark module) are fixed by the version; everything else carries codewords and is masked.
/// Coordinates are (row, column), row 0 at the top, as in `QRCode.modules`.
struct QRMatrix: Sendable {
    let version: QRVersion
    private(set) var modules: [[Bool]]
    /// `true` where a module belongs to a function pattern: codewords and masks skip it.
    private(set) var isFunction: [[Bool]]

    var size: Int { version.size }

    /// The symbol with every function pattern drawn and the data area empty (light).
    init(version: QRVersion) {
        self.version = version
        modules = Array(repeating: Array(repeating: false, count: version.size), count: version.size)
        isFunction = modules
        drawTimingPatterns()
        for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] { drawFinderPattern(centre: (row, column)) }
        drawAlignmentPatterns()
        // Reserve the format areas now so the codewords flow around them; the bits depend on the
        // mask and are drawn last. The dark module beside the lower-left finder is always dark.
        drawFormatInformation(level: .medium, mask: 0)
        drawVersionInformation()
    }

    private mutating func setFunction(_ row: Int, _ column: Int, dark: Bool) {
        modules[row][column] = dark
        isFunction[row][column] = true
    }

    /// Row 6 and column 6 alternate dark and light, dark on even indexes; the finders drawn
    /// afterwards overwrite their ends.
    private mutating func drawTimingPatterns() {
        for i in 0..<size {
            setFunction(6, i, dark: i % 2 == 0)
            setFunction(i, 6, dark: i % 2 == 0)
        }
    }

    /// A 7×7 finder (dark ring, light ring, dark 3×3 core) with its one-module light separator.
    private mutating func drawFinderPattern(centre: (row: Int, column: Int)) {
        for dy in -4...4 {
            for dx in -4...4 {
                let row = centre.row + dy, column = centre.column + dx
                guard (0..<size).contains(row), (0..<size).contains(column) else { continue }
                let ring = max(abs(dy), abs(dx))
                setFunction(row, column, dark: ring != 2 && ring != 4)
            }
        }
    }

    /// 5×5 alignment patterns at every pair of Annex E centres except the three that would
    /// land on a finder.
    private mutating func drawAlignmentPatterns() {
        let centres = version.alignmentCentres
        guard let first = centres.first, let last = centres.last else { return }
        for row in centres {
            for column in centres {
                if (row == first && column == first) || (row == first && column == last) || (row == last && column == first) {
                    continue
                }
                for dy in -2...2 {
                    for dx in -2...2 { setFunction(row + dy, column + dx, dark: max(abs(dy), abs(dx)) != 1) }
                }
            }
        }
    }

    /// The 15 format bits (level, mask, BCH(15,5) check, XOR 0x5412 so they are never all
    /// light), twice: around the upper-left finder, and split between the other two.
    mutating func drawFormatInformation(level: QRCode.ErrorCorrection, mask: Int) {
        let data = level.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }

        // Around the upper-left finder: bits 0–7 down column 8 (skipping the timing row),
        // bits 8–14 leftwards along row 8 (skipping the timing column).
        for i in 0...5 { setFunction(i, 8, dark: bit(i)) }
        setFunction(7, 8, dark: bit(6))
        setFunction(8, 8, dark: bit(7))
        setFunction(8, 7, dark: bit(8))
        for i in 9..<15 { setFunction(8, 14 - i, dark: bit(i)) }
        // The copy: bits 0–7 along row 8 under the upper-right finder, bits 8–14 up column 8
        // beside the lower-left finder.
        for i in 0..<8 { setFunction(8, size - 1 - i, dark: bit(i)) }
        for i in 8..<15 { setFunction(size - 15 + i, 8, dark: bit(i)) }
        setFunction(size - 8, 8, dark: true)  // the dark module
    }

    /// From version 7 on, the version number with its BCH(18,6) check, in two 6×3 blocks
    /// beside the upper-right and lower-left finders.
    private mutating func drawVersionInformation() {
        guard version.number >= 7 else { return }
        var remainder = version.number
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = version.number << 12 | remainder
        for i in 0..<18 {
            let dark = (bits >> i) & 1 == 1
            let a = size - 11 + i % 3, b = i / 3
            setFunction(b, a, dark: dark)  // upper right: 6 rows × 3 columns
            setFunction(a, b, dark: dark)  // lower left: 3 rows × 6 columns
        }
    }

    /// Places the codewords, most significant bit first, in two-module-wide columns that zigzag
    /// up and down from the lower-right corner, skipping function modules and the timing column.
    /// Modules left over (the remainder bits) stay light, as the standard requires.
    mutating func placeCodewords(_ codewords: [UInt8]) {
        let totalBits = codewords.count * 8
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }  // the vertical timing pattern takes a whole column
            let upward = ((right + 1) & 2) == 0
            for step in 0..<size {
                let row = upward ? size - 1 - step : step
                for column in [right, right - 1] where !isFunction[row][column] && index < totalBits {
                    modules[row][column] = (codewords[index >> 3] >> (7 - UInt8(index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
        precondition(index == totalBits, "the version has room for exactly its codewords")
    }

    /// Flips every data module the mask pattern selects (function patterns are never masked).
    mutating func apply(_ mask: QRMask) {
        for row in 0..<size {
            for column in 0..<size where !isFunction[row][column] && mask.flips(row: row, column: column) {
                modules[row][column].toggle()
            }
        }
    }
}
