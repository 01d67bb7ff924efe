/// A QR Code symbol (ISO/IEC 18004, Model 2) for some bytes: the square of modules to draw.
///
/// Castellan draws QR codes only to hand `otpauth://` URIs to authenticator apps, so this encoder
/// does one thing: a single byte-mode segment (every URI is bytes; no mode switching, no ECI),
/// in the smallest version 1...40 that fits at the chosen level, with the mask the standard's
/// penalty rules pick. There is no QR package among the project's dependencies, and this is
/// small enough to own.
public struct QRCode: Sendable, Equatable {
    /// How much damage the symbol survives; each step up costs capacity (roughly 7, 15, 25, 30 %).
    public enum ErrorCorrection: Sendable, CaseIterable {
        case low, medium, quartile, high

        /// The row in the per-level tables of `QRVersion` (the standard's order, L M Q H).
        var tableIndex: Int {
            switch self {
            case .low: 0
            case .medium: 1
            case .quartile: 2
            case .high: 3
            }
        }

        /// The two bits the format information uses for the level (ISO/IEC 18004 Table 12):
        /// not in L M Q H order, hence spelt out.
        var formatBits: Int {
            switch self {
            case .low: 1
            case .medium: 0
            case .quartile: 3
            case .high: 2
            }
        }
    }

    public enum EncodingError: Error, Equatable, CustomStringConvertible {
        /// More bytes than the largest allowed version holds at the level.
        case tooLong(bytes: Int, capacity: Int)
        /// A forced version outside 1...40.
        case noSuchVersion(Int)
        /// A forced mask outside 0...7.
        case noSuchMask(Int)

        public var description: String {
            switch self {
            case .tooLong(let bytes, let capacity): "\(bytes) bytes do not fit in a QR code (at most \(capacity) at this level)"
            case .noSuchVersion(let version): "QR code version \(version) does not exist (1...40)"
            case .noSuchMask(let mask): "QR code mask \(mask) does not exist (0...7)"
            }
        }
    }

    /// The version, 1...40: the symbol is 4 · version + 17 modules on a side.
    public let version: Int
    public let level: ErrorCorrection
    /// The data mask pattern, 0...7.
    public let mask: Int
    /// The symbol, `modules[row][column]`, `true` for a dark module; without the quiet zone.
    public let modules: [[Bool]]

    /// Modules on a side (the quiet zone not included).
    public var size: Int { modules.count }

    /// Encodes `bytes` in the smallest version that holds them, with the best-scoring mask.
    public init(encoding bytes: [UInt8], level: ErrorCorrection) throws {
        try self.init(encoding: bytes, level: level, version: nil, mask: nil)
    }

    /// Encodes `bytes`, optionally forcing the version (if they fit) and the mask.
    ///
    /// Forcing exists so that tests can compare module for module with another encoder: the
    /// penalty rules leave implementations room to choose different, equally valid masks.
    public init(encoding bytes: [UInt8], level: ErrorCorrection, version forcedVersion: Int?, mask forcedMask: Int?) throws {
        let version: QRVersion
        if let forcedVersion {
            guard let forced = QRVersion(forcedVersion) else { throw EncodingError.noSuchVersion(forcedVersion) }
            guard bytes.count <= forced.byteCapacity(level) else {
                throw EncodingError.tooLong(bytes: bytes.count, capacity: forced.byteCapacity(level))
            }
            version = forced
        } else {
            let largest = QRVersion(QRVersion.range.upperBound)!
            guard let smallest = QRVersion.range.lazy.compactMap(QRVersion.init).first(where: { bytes.count <= $0.byteCapacity(level) }) else {
                throw EncodingError.tooLong(bytes: bytes.count, capacity: largest.byteCapacity(level))
            }
            version = smallest
        }
        if let forcedMask, !QRMask.range.contains(forcedMask) { throw EncodingError.noSuchMask(forcedMask) }

        let codewords = Self.codewords(for: bytes, version: version, level: level)
        var unmasked = QRMatrix(version: version)
        unmasked.placeCodewords(codewords)

        // Try each mask on the finished symbol (format information included, since it is part
        // of what a reader sees) and keep the lowest penalty; ties go to the lower mask number.
        let candidates = forcedMask.map { [$0] } ?? Array(QRMask.range)
        var best: (mask: Int, penalty: Int, matrix: QRMatrix)?
        for mask in candidates {
            var matrix = unmasked
            matrix.apply(QRMask(mask))
            matrix.drawFormatInformation(level: level, mask: mask)
            let penalty = forcedMask == nil ? QRPenalty.score(matrix.modules) : 0
            if best == nil || penalty < best!.penalty { best = (mask, penalty, matrix) }
        }
        self.version = version.number
        self.level = level
        self.mask = best!.mask
        self.modules = best!.matrix.modules
    }
}
