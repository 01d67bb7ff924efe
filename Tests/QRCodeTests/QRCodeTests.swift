import Foundation
import Testing
@testable import QRCode

/// One symbol of Tests/Fixtures/qr-reference.txt: made by other encoders (ZXing, qrcodegen,
/// python-qrcode, which agree on every one), so a match here is not our code agreeing with itself.
struct QRReference: Sendable, CustomTestStringConvertible {
    let description: String
    let input: [UInt8]
    let level: QRCode.ErrorCorrection
    let version: Int
    let mask: Int
    /// N1...N4 as ZXing's MaskUtil scores the matrix.
    let penalty: [Int]
    let modules: [[Bool]]

    var testDescription: String { description }

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/qr-reference.txt")

    static let all: [QRReference] = (try? load()) ?? []

    static func load() throws -> [QRReference] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let blocks = text.components(separatedBy: "\n\n").map {
            $0.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        }
        return try blocks.filter { !$0.isEmpty }.map(parse)
    }

    struct FormatError: Error { let block: [String] }

    private static func parse(_ lines: [String]) throws -> QRReference {
        var fields: [String: String] = [:]
        var rows: [[Bool]] = []
        var description = ""
        for line in lines {
            if line.hasPrefix("= ") {
                description = String(line.dropFirst(2))
            } else if line.allSatisfy({ $0 == "0" || $0 == "1" }) {
                rows.append(line.map { $0 == "1" })
            } else if let space = line.firstIndex(of: " ") {
                fields[String(line[..<space])] = String(line[line.index(after: space)...])
            }
        }
        let levels: [String: QRCode.ErrorCorrection] = ["L": .low, "M": .medium, "Q": .quartile, "H": .high]
        guard let hex = fields["input"], let level = fields["level"].flatMap({ levels[$0] }),
              let version = fields["version"].flatMap(Int.init), let mask = fields["mask"].flatMap(Int.init),
              let penalty = fields["penalty"]?.split(separator: " ").compactMap({ Int($0) }), penalty.count == 4
        else { throw FormatError(block: lines) }
        let input = stride(from: 0, to: hex.count, by: 2).compactMap { offset -> UInt8? in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)
        }
        return QRReference(description: description, input: input, level: level, version: version, mask: mask,
                           penalty: penalty, modules: rows)
    }
}

@Suite struct QRCodeTests {
    @Test func theReferenceFile_holdsTheTenSymbols() {
        #expect(QRReference.all.count == 10)
        for reference in QRReference.all {
            #expect(reference.modules.count == reference.version * 4 + 17, "\(reference.description)")
            #expect(reference.modules.allSatisfy { $0.count == reference.modules.count }, "\(reference.description)")
        }
    }

    /// Encoding, error correction, placement and masking: the forced version and mask isolate them
    /// from the choice of mask.
    @Test(arguments: QRReference.all)
    func withTheReferenceVersionAndMask_everyModuleMatches(_ reference: QRReference) throws {
        let code = try QRCode(encoding: reference.input, level: reference.level, version: reference.version, mask: reference.mask)
        #expect(code.size == reference.modules.count)
        #expect(code.modules == reference.modules)
    }

    /// The version and mask choice: the smallest version, and the mask ZXing's encoder picks.
    @Test(arguments: QRReference.all)
    func onItsOwn_theEncoderChoosesTheReferenceVersionAndMask(_ reference: QRReference) throws {
        let code = try QRCode(encoding: reference.input, level: reference.level)
        #expect(code.version == reference.version)
        #expect(code.mask == reference.mask)
        #expect(code.modules == reference.modules)
    }

    @Test(arguments: QRReference.all)
    func thePenaltyRules_scoreTheReferenceMatrixAsZXingDoes(_ reference: QRReference) {
        let scores = QRPenalty.scores(reference.modules)
        #expect([scores.runs, scores.blocks, scores.finderLike, scores.balance] == reference.penalty)
    }

    /// ISO/IEC 18004 Annex I and thonky.com's tutorial: "HELLO WORLD", 1-M, alphanumeric mode.
    @Test func reedSolomon_givesTheHelloWorld1MCodewords() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        let encoder = ReedSolomon(degree: 10)
        #expect(encoder.remainder(of: data) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
        // The generator polynomial for 10 codewords, as exponents of α (x¹⁰ + α²⁵¹x⁹ + … + α⁴⁵).
        #expect(encoder.generator == [251, 67, 46, 61, 118, 70, 64, 94, 32, 45].map { GaloisField256.exp[$0] })
    }

    @Test func galoisField_multipliesModulo0x11D() {
        #expect(GaloisField256.multiply(0x80, 2) == 0x1D)  // x⁸ ≡ x⁴ + x³ + x² + 1
        #expect(GaloisField256.multiply(0, 0x53) == 0)
        for a in 1...255 {
            // Every non-zero element has an inverse: α^(255 − log a).
            #expect(GaloisField256.multiply(UInt8(a), GaloisField256.exp[255 - GaloisField256.log[a]]) == 1)
        }
    }

    /// Byte-mode capacities from ISO/IEC 18004 Table 7.
    @Test func capacities_matchTheStandardsTable() {
        let table: [(version: Int, l: Int, m: Int, q: Int, h: Int)] = [
            (1, 17, 14, 11, 7), (2, 32, 26, 20, 14), (7, 154, 122, 86, 64), (9, 230, 180, 130, 98),
            (10, 271, 213, 151, 119), (15, 520, 412, 292, 220), (40, 2953, 2331, 1663, 1273),
        ]
        for row in table {
            let version = QRVersion(row.version)!
            #expect([.low, .medium, .quartile, .high].map(version.byteCapacity) == [row.l, row.m, row.q, row.h], "version \(row.version)")
        }
    }

    /// Alignment pattern centres from ISO/IEC 18004 Annex E, including version 32's uneven step.
    @Test func alignmentCentres_matchAnnexE() {
        let table: [Int: [Int]] = [
            1: [], 2: [6, 18], 7: [6, 22, 38], 15: [6, 26, 48, 70], 22: [6, 26, 50, 74, 98],
            32: [6, 34, 60, 86, 112, 138], 36: [6, 24, 50, 76, 102, 128, 154], 40: [6, 30, 58, 86, 114, 142, 170],
        ]
        for (number, centres) in table { #expect(QRVersion(number)!.alignmentCentres == centres, "version \(number)") }
    }

    @Test func theFormatInformation_ofLevelMMask0_isTheStandardsWord() throws {
        // ISO/IEC 18004 Annex C: M (00), mask 000 → 101010000010010 after the 0x5412 mask.
        let code = try QRCode(encoding: Array("castellan".utf8), level: .medium, version: 1, mask: 0)
        let bits = (0...5).map { code.modules[$0][8] } + [code.modules[7][8], code.modules[8][8], code.modules[8][7]]
            + (9..<15).map { code.modules[8][14 - $0] }
        #expect(bits.reversed().map { $0 ? "1" : "0" }.joined() == "101010000010010")
    }

    @Test func tooMuchData_isRefused_andBadForcedChoicesToo() {
        #expect(throws: QRCode.EncodingError.tooLong(bytes: 2332, capacity: 2331)) {
            try QRCode(encoding: [UInt8](repeating: 0x61, count: 2332), level: .medium)
        }
        #expect(throws: QRCode.EncodingError.tooLong(bytes: 15, capacity: 14)) {
            try QRCode(encoding: [UInt8](repeating: 0x61, count: 15), level: .medium, version: 1, mask: nil)
        }
        #expect(throws: QRCode.EncodingError.noSuchVersion(41)) { try QRCode(encoding: [1], level: .low, version: 41, mask: nil) }
        #expect(throws: QRCode.EncodingError.noSuchMask(8)) { try QRCode(encoding: [1], level: .low, version: nil, mask: 8) }
        #expect(throws: Never.self) { try QRCode(encoding: [UInt8](repeating: 0x61, count: 2331), level: .medium) }
    }

    @Test func emptyInput_encodesAsVersion1() throws {
        let code = try QRCode(encoding: [], level: .medium)
        #expect(code.version == 1 && code.size == 21)
    }

    /// Rule by rule, on lines small enough to count by hand.
    @Test func penaltyRules_countByHand() {
        let line = { (text: String) in text.map { $0 == "1" } }
        #expect(QRPenalty.runPenalty(line("0000")) == 0)
        #expect(QRPenalty.runPenalty(line("11111")) == 3)
        #expect(QRPenalty.runPenalty(line("0111111100000")) == 5 + 3)
        // 1:1:3:1:1 with four light modules after it, then before it; outside the symbol is light.
        #expect(QRPenalty.finderLikePenalty(line("10111010000")) == 40)
        #expect(QRPenalty.finderLikePenalty(line("00001011101")) == 40)
        #expect(QRPenalty.finderLikePenalty(line("1011101")) == 40)
        #expect(QRPenalty.finderLikePenalty(line("00001011101000010111010000")) == 80)
        // Dark within four modules on both sides: no penalty.
        #expect(QRPenalty.finderLikePenalty(line("0001101110110000")) == 0)
        #expect(QRPenalty.finderLikePenalty(line("1000101110100010")) == 0)
        // Balance: an all-dark 21 × 21 square is 50 % off, ten steps of 5 %.
        let dark = Array(repeating: Array(repeating: true, count: 21), count: 21)
        #expect(QRPenalty.scores(dark).balance == 100)
        #expect(QRPenalty.scores(dark).blocks == 20 * 20 * 3)
    }

    /// The terminal drawing read back: every module where it should be, dark as background.
    @Test(arguments: QRReference.all.prefix(5))
    func terminalLines_drawLightModulesAsBlocks_withAFourModuleQuietZone(_ reference: QRReference) throws {
        let code = try QRCode(encoding: reference.input, level: reference.level)
        let lines = code.terminalLines().map(Array.init)
        let extent = code.size + 8
        #expect(lines.count == (extent + 1) / 2)
        #expect(lines.allSatisfy { $0.count == extent })
        #expect(lines.prefix(2).allSatisfy { $0.allSatisfy { $0 == "█" } })
        // The height is odd: the last line's lower half is past the quiet zone, left as background.
        #expect(lines.last!.allSatisfy { $0 == "▀" })
        func inkAt(_ row: Int, _ column: Int) -> Bool {
            let character = lines[row / 2][column]
            return row % 2 == 0 ? (character == "█" || character == "▀") : (character == "█" || character == "▄")
        }
        for row in 0..<extent {
            for column in 0..<extent {
                let r = row - 4, c = column - 4
                let inSymbol = (0..<code.size).contains(r) && (0..<code.size).contains(c)
                let light = inSymbol ? !code.modules[r][c] : true
                #expect(inkAt(row, column) == light, "module (\(r), \(c))")
            }
        }
    }
}
