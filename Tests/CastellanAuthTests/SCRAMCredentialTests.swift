import CastellanAuth
import Foundation
import Testing

@Test func scramCredential_generate_usesA16ByteRandomSaltAnd4096Iterations() throws {
    let a = try SCRAMCredential.generate(password: "pencil", entropy: SystemEntropy())
    let b = try SCRAMCredential.generate(password: "pencil", entropy: SystemEntropy())
    #expect(a.salt.count == 16 && b.salt.count == 16)
    #expect(a.salt != b.salt)
    #expect(a.iterations == 4096)
    #expect(a.mechanism == .sha256)
    #expect(a.storedKey.count == 32 && a.serverKey.count == 32)
    #expect(a != b)
}

@Test func scramCredential_generate_matchesDeriveWithTheSameSalt() throws {
    let generated = try SCRAMCredential.generate(
        password: "pencil", mechanism: .sha512, iterations: 5000, saltByteCount: 20, entropy: SCRAMTestEntropy())
    let derived = try SCRAMCredential.derive(
        password: "pencil", salt: generated.salt, iterations: 5000, mechanism: .sha512)
    #expect(generated == derived)
    #expect(generated.salt.count == 20)
}

@Test func scramCredential_fewerThan4096Iterations_areRefused() {
    expectSCRAMError(.iterationCountOutOfRange) {
        _ = try SCRAMCredential.derive(password: "pencil", salt: SCRAMFixtures.salt, iterations: 4095, mechanism: .sha256)
    }
    expectSCRAMError(.iterationCountOutOfRange) {
        _ = try SCRAMCredential.generate(password: "pencil", iterations: 101, entropy: SCRAMTestEntropy())
    }
}

@Test func scramCredential_saltShorterThan16Bytes_isRefusedWhenGenerating() {
    expectSCRAMError(.invalidCredential) {
        _ = try SCRAMCredential.generate(password: "pencil", saltByteCount: 15, entropy: SCRAMTestEntropy())
    }
    expectSCRAMError(.noResources) {
        _ = try SCRAMCredential.generate(password: "pencil", entropy: SCRAMFailingEntropy())
    }
}

@Test func scramCredential_unusablePasswords_areRefused() {
    for password in ["", "pen\u{0}cil", "pen\ncil", "pen\u{7F}cil", "pen\u{9F}cil", String(repeating: "a", count: 1025)] {
        expectSCRAMError(.invalidPassword) {
            _ = try SCRAMCredential.derive(password: password, salt: SCRAMFixtures.salt, iterations: 4096, mechanism: .sha256)
        }
    }
}

@Test func scramCredential_nonASCIIPassword_isUsedAsItsUTF8BytesWithoutNormalisation() throws {
    let composed = try SCRAMCredential.derive(password: "caf\u{E9}", salt: SCRAMFixtures.salt, iterations: 4096, mechanism: .sha256)
    let decomposed = try SCRAMCredential.derive(password: "cafe\u{301}", salt: SCRAMFixtures.salt, iterations: 4096, mechanism: .sha256)
    #expect(composed != decomposed)
    #expect(PasswordVerifier.verify(password: Array("caf\u{E9}".utf8), against: composed))
}

@Test func scramCredential_wrongKeySizes_areRefused() {
    expectSCRAMError(.invalidCredential) {
        _ = try SCRAMCredential(mechanism: .sha512, salt: [1], iterations: 4096, storedKey: Array(repeating: 0, count: 32), serverKey: Array(repeating: 0, count: 32))
    }
    expectSCRAMError(.invalidCredential) {
        _ = try SCRAMCredential(mechanism: .sha256, salt: [], iterations: 4096, storedKey: Array(repeating: 0, count: 32), serverKey: Array(repeating: 0, count: 32))
    }
}

@Test func scramCredential_storesThePlusMechanismWithoutPlus() throws {
    let credential = try SCRAMFixtures.credential(mechanism: .sha256Plus)
    #expect(credential.mechanism == .sha256)
}

@Test func scramCredential_codable_roundTripsAndHoldsOnlyTheFiveFields() throws {
    let credential = try SCRAMFixtures.credential()
    let data = try JSONEncoder().encode(credential)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(Set(object.keys) == ["mechanism", "salt", "iterations", "storedKey", "serverKey"])
    #expect(object["salt"] as? String == "W22ZaJ0SNY7soEsUEjb6gQ==")
    #expect(object["mechanism"] as? String == "SCRAM-SHA-256")
    #expect(try JSONDecoder().decode(SCRAMCredential.self, from: data) == credential)
}

@Test func scramCredential_decodingACorruptRecord_fails() throws {
    let good = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(try SCRAMFixtures.credential())) as! [String: Any]
    let corruptions: [(String, Any)] = [
        ("iterations", 100), ("storedKey", "AAAA"), ("salt", "not base64!"), ("mechanism", "SCRAM-MD5"), ("serverKey", ""),
    ]
    for (key, value) in corruptions {
        var record = good
        record[key] = value
        let data = try JSONSerialization.data(withJSONObject: record)
        #expect(throws: (any Error).self, "\(key)") { try JSONDecoder().decode(SCRAMCredential.self, from: data) }
    }
}

@Test func scramCredential_description_revealsNoKeyOrSalt() throws {
    let credential = try SCRAMFixtures.credential()
    let printed = "\(credential) \(String(reflecting: credential))"
    #expect(printed == "SCRAMCredential(SCRAM-SHA-256, i=4096) SCRAMCredential(SCRAM-SHA-256, i=4096)")
}
