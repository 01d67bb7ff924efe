/// The eight data mask patterns of ISO/IEC 18004 (Table 10).
///
/// XOR-ing the data area with a regular pattern breaks up large blocks and finder look-alikes
/// that the data alone might form; the reader learns the mask from the format information.
struct QRMask: Sendable, Equatable {
    static let range = 0...7

    let number: Int

    init(_ number: Int) {
        precondition(Self.range.contains(number), "masks are 0...7")
        self.number = number
    }

    /// Whether the mask flips the module at (row i, column j), the standard's condition.
    func flips(row i: Int, column j: Int) -> Bool {
        switch number {
        case 0: (i + j) % 2 == 0
        case 1: i % 2 == 0
        case 2: j % 3 == 0
        case 3: (i + j) % 3 == 0
        case 4: (i / 2 + j / 3) % 2 == 0
        case 5: (i * j) % 2 + (i * j) % 3 == 0
        case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
        default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
        }
    }
}
