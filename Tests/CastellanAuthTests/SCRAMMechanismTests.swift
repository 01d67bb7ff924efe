import CastellanAuth
import Foundation
import Testing

@Test func scramMechanism_namesRoundTrip() {
    for mechanism in SCRAMMechanism.all {
        #expect(SCRAMMechanism(name: mechanism.name, allowLegacySHA1: true) == mechanism)
    }
    #expect(SCRAMMechanism.sha256.name == "SCRAM-SHA-256")
    #expect(SCRAMMechanism.sha512Plus.name == "SCRAM-SHA-512-PLUS")
    #expect(SCRAMMechanism.legacySHA1.name == "SCRAM-SHA-1")
}

@Test func scramMechanism_unknownOrMisspelledNames_areRefused() {
    for name in ["", "SCRAM-SHA-256 ", "scram-sha-256", "SCRAM-SHA-384", "SCRAM-SHA-256-plus", "PLAIN", "SCRAM-SHA-1-PLUS"] {
        #expect(SCRAMMechanism(name: name) == nil, "\(name)")
    }
}

@Test func scramMechanism_codable_usesTheName() throws {
    let data = try JSONEncoder().encode([SCRAMMechanism.sha512Plus])
    #expect(String(decoding: data, as: UTF8.self) == #"["SCRAM-SHA-512-PLUS"]"#)
    #expect(try JSONDecoder().decode([SCRAMMechanism].self, from: data) == [.sha512Plus])
    #expect(throws: DecodingError.self) { try JSONDecoder().decode([SCRAMMechanism].self, from: Data(#"["MD5"]"#.utf8)) }
}

@Test func scramHashFunction_digestSizes() {
    #expect(SCRAMHashFunction.sha256.digestByteCount == 32)
    #expect(SCRAMHashFunction.sha512.digestByteCount == 64)
    #expect(SCRAMHashFunction.legacySHA1.digestByteCount == 20)
    #expect(SCRAMHashFunction.legacySHA1.isLegacy && !SCRAMHashFunction.sha256.isLegacy)
}
