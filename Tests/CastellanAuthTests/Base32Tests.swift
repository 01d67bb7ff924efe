import Testing
import CastellanAuth
import SupervisionTesting

/// RFC 4648 §10 test vectors.
private let rfc4648: [(String, String)] = [
    ("", ""), ("f", "MY======"), ("fo", "MZXQ===="), ("foo", "MZXW6==="),
    ("foob", "MZXW6YQ="), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI======"),
]

@Test func base32_rfc4648Vectors_encodeWithoutPaddingAndDecodeEitherWay() throws {
    for (plain, padded) in rfc4648 {
        let unpadded = String(padded.prefix { $0 != "=" })
        #expect(Base32.encode(Array(plain.utf8)) == unpadded)
        #expect(try Base32.decode(padded) == Array(plain.utf8))
        #expect(try Base32.decode(unpadded) == Array(plain.utf8))
        #expect(try Base32.decode(padded.lowercased()) == Array(plain.utf8))
    }
}

@Test func base32_mixedCase_decodesLikeUpperCase() throws {
    #expect(try Base32.decode("mZxW6yTbOi") == Array("foobar".utf8))
}

@Test func base32_randomBytes_roundTrip() throws {
    var rng = SeededRandom(seed: 4648)
    for length in 0..<200 {
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let text = Base32.encode(bytes)
        #expect(!text.contains("="))
        #expect(try Base32.decode(text) == bytes)
        #expect(try Base32.decode(text.lowercased()) == bytes)
    }
}

@Test(arguments: [("MZXW 6YQ", 4), ("MZXW6YQ\n", 7), ("\tMZXW6YQ", 0), ("MZXW6YQ\r", 7)])
func base32_whitespace_isRefusedWithItsOffset(text: String, offset: Int) throws {
    #expect(throws: Base32Error.whitespace(offset: offset)) { try Base32.decode(text) }
}

@Test(arguments: [("MZXW1YQ", 4), ("MZXW8YQ", 4), ("0ZXW6YQ", 0), ("MZXW6Y-", 6), ("MZé", 2), ("MZ\u{0}", 2)])
func base32_characterOutsideTheAlphabet_isRefusedWithItsOffset(text: String, offset: Int) throws {
    #expect(throws: Base32Error.invalidCharacter(offset: offset)) { try Base32.decode(text) }
}

@Test(arguments: ["M", "MZX", "MZXW6Y", "MZXW6YTBO"])
func base32_impossibleLength_isRefused(text: String) throws {
    #expect(throws: Base32Error.invalidLength()) { try Base32.decode(text) }
}

@Test(arguments: ["MZ=XW6YQ", "MY=====", "MY=======", "MZXW6YQ==", "========", "MZXW6YTB========", "=", "MZXQ=="])
func base32_misplacedOrWrongPadding_isRefused(text: String) throws {
    #expect(throws: Base32Error.invalidPadding()) { try Base32.decode(text) }
}

@Test(arguments: ["MZ", "MB", "MZXW6YR", "MZXW6YTBOJ"])
func base32_nonZeroTrailingBits_areRefused(text: String) throws {
    // "MY" is the canonical "f"; "MZ" spells the same byte with a stray low bit set.
    #expect(throws: Base32Error.nonZeroTrailingBits()) { try Base32.decode(text) }
    #expect(try Base32.decode("MY") == Array("f".utf8))
}

@Test func base32_fuzzedInput_returnsAValueOrATypedError() {
    var rng = SeededRandom(seed: 0xB32)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz=== \n01890-é".unicodeScalars)
    let seeds = ["MZXW6YTBOI======", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "MY======", ""]
    var values = 0, errors = 0, mismatches = 0
    for round in 0..<100_000 {
        var scalars: [Unicode.Scalar]
        if round % 2 == 0 {
            let length = Int.random(in: 0...40, using: &rng)
            scalars = (0..<length).map { _ in
                Int.random(in: 0..<20, using: &rng) == 0
                    ? Unicode.Scalar(UInt8.random(in: 0...127, using: &rng))
                    : alphabet.randomElement(using: &rng)!
            }
        } else {
            scalars = Array(seeds.randomElement(using: &rng)!.unicodeScalars)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let position = Int.random(in: 0...scalars.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: scalars.insert(alphabet.randomElement(using: &rng)!, at: position)
                case 1 where position < scalars.count: scalars.remove(at: position)
                case 2 where position < scalars.count: scalars[position] = alphabet.randomElement(using: &rng)!
                default: scalars.append("=")
                }
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        do {
            let bytes = try Base32.decode(text)
            // Whatever decodes must re-encode to the same text (modulo case and padding).
            if Base32.encode(bytes) != text.uppercased().filter({ $0 != "=" }) { mismatches += 1 }
            values += 1
        } catch {
            errors += 1
        }
    }
    #expect(values + errors == 100_000)
    #expect(mismatches == 0)
    #expect(values > 1_000 && errors > 1_000)
}
