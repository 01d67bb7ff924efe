extension QRCode {
    /// The symbol's codeword sequence for `bytes`: data codewords then error correction
    /// codewords, each interleaved across the blocks (ISO/IEC 18004 7.4 to 7.6).
    static func codewords(for bytes: [UInt8], version: QRVersion, level: ErrorCorrection) -> [UInt8] {
        interleave(dataCodewords(for: bytes, version: version, level: level), version: version, level: level)
    }

    /// The data codewords: one byte-mode segment, terminator, and padding to fill the capacity.
    static func dataCodewords(for bytes: [UInt8], version: QRVersion, level: ErrorCorrection) -> [UInt8] {
        let capacityBits = version.dataCodewords(level) * 8
        var bits = BitWriter()
        bits.append(0b0100, count: 4)  // mode indicator: byte
        bits.append(bytes.count, count: version.byteCountBits)
        for byte in bytes { bits.append(Int(byte), count: 8) }
        precondition(bits.count <= capacityBits, "the caller checked the capacity")
        // Terminator: up to four zero bits, fewer if the symbol is full; then zeros to a byte boundary.
        bits.append(0, count: min(4, capacityBits - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        // Pad codewords alternate 11101100 and 00010001: patterns chosen to avoid long runs.
        let pads: [UInt8] = [0xEC, 0x11]
        var next = 0
        while codewords.count < capacityBits / 8 {
            codewords.append(pads[next])
            next = 1 - next
        }
        return codewords
    }

    /// Splits the data codewords into blocks, adds each block's Reed–Solomon codewords, and
    /// interleaves them, so that a burst of damage is spread over several blocks.
    static func interleave(_ data: [UInt8], version: QRVersion, level: ErrorCorrection) -> [UInt8] {
        let blockCount = version.blockCount(level)
        let correctionLength = version.errorCorrectionPerBlock(level)
        // When the codewords do not divide evenly, the later blocks take one data codeword more.
        let longBlocks = version.totalCodewords % blockCount
        let shortBlocks = blockCount - longBlocks
        let shortDataLength = version.totalCodewords / blockCount - correctionLength
        let encoder = ReedSolomon(degree: correctionLength)

        var dataBlocks: [ArraySlice<UInt8>] = []
        var start = data.startIndex
        for block in 0..<blockCount {
            let length = shortDataLength + (block < shortBlocks ? 0 : 1)
            dataBlocks.append(data[start..<start + length])
            start += length
        }
        precondition(start == data.endIndex, "the data codewords fill the blocks exactly")
        let correctionBlocks = dataBlocks.map { encoder.remainder(of: Array($0)) }

        var result: [UInt8] = []
        result.reserveCapacity(version.totalCodewords)
        for i in 0...shortDataLength {
            for block in dataBlocks where i < block.count { result.append(block[block.startIndex + i]) }
        }
        for i in 0..<correctionLength {
            for block in correctionBlocks { result.append(block[i]) }
        }
        return result
    }
}

/// Bits appended most significant first, read back as bytes: the data bit stream.
private struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    /// Appends the low `count` bits of `value`, most significant first.
    mutating func append(_ value: Int, count bitCount: Int) {
        for shift in stride(from: bitCount - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
    }
}
