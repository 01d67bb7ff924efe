/// The penalty score of ISO/IEC 18004 7.8.3 (Table 11), by which the encoder picks a mask.
///
/// Lower is better. The four rules punish what makes a symbol hard to read: long runs of one
/// colour, solid blocks, look-alikes of the finder pattern, and an unbalanced share of dark.
///
/// The standard's wording leaves details open, and encoders differ on them (qrcodegen scores
/// rule 3 on runs, segno scores before the format information is drawn). Any choice gives a
/// valid symbol; this one reads the rules as ZXing's encoder does, on the finished symbol, so
/// our choice of mask can be checked against an independent implementation.
enum QRPenalty {
    /// The weights N1...N4 of the standard.
    static let run = 3, block = 3, finderLike = 40, balance = 10

    /// The total penalty of a whole symbol (`modules[row][column]`, `true` dark).
    static func score(_ modules: [[Bool]]) -> Int {
        let features = scores(modules)
        return features.runs + features.blocks + features.finderLike + features.balance
    }

    /// The four rules' scores separately, for tests that compare them with another implementation.
    static func scores(_ modules: [[Bool]]) -> (runs: Int, blocks: Int, finderLike: Int, balance: Int) {
        let size = modules.count
        let columns = (0..<size).map { column in modules.map { $0[column] } }
        var runs = 0, finders = 0
        for line in modules + columns {
            runs += runPenalty(line)
            finders += finderLikePenalty(line)
        }
        var blocks = 0
        for row in 0..<(size - 1) {
            for column in 0..<(size - 1) {
                let colour = modules[row][column]
                if modules[row][column + 1] == colour, modules[row + 1][column] == colour, modules[row + 1][column + 1] == colour {
                    blocks += block
                }
            }
        }
        // N4 for every full 5 % the dark share is away from 50 %: k = ⌊|dark/total − ½| · 20⌋,
        // in integers so that a share of exactly 45 % or 55 % counts as the standard says.
        let total = size * size
        let dark = modules.reduce(0) { $0 + $1.count(where: { $0 }) }
        let k = abs(dark * 20 - total * 10) / total
        return (runs, blocks, finders, k * balance)
    }

    /// Rule 1: each run of five or more modules of one colour in a row or column scores
    /// N1 + (length − 5).
    static func runPenalty(_ line: [Bool]) -> Int {
        var penalty = 0
        var length = 0
        for (index, module) in line.enumerated() {
            length = index > 0 && module == line[index - 1] ? length + 1 : 1
            let endsHere = index == line.count - 1 || line[index + 1] != module
            if endsHere && length >= 5 { penalty += run + length - 5 }
        }
        return penalty
    }

    /// Rule 3: each dark-light-dark-dark-dark-light-dark (1:1:3:1:1) with four light modules
    /// on at least one side scores N3. Outside the symbol counts as light: it is the quiet zone.
    static func finderLikePenalty(_ line: [Bool]) -> Int {
        let pattern = [true, false, true, true, true, false, true]
        func isLight(_ index: Int) -> Bool { index < 0 || index >= line.count || !line[index] }
        var penalty = 0
        for start in 0...(line.count - pattern.count) where pattern.indices.allSatisfy({ line[start + $0] == pattern[$0] }) {
            let lightBefore = (start - 4..<start).allSatisfy(isLight)
            let lightAfter = (start + 7..<start + 11).allSatisfy(isLight)
            if lightBefore || lightAfter { penalty += finderLike }
        }
        return penalty
    }
}
