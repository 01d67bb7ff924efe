import CastellanAuth
import Foundation
import Testing

/// The one device-id grammar: `[A-Za-z0-9][A-Za-z0-9._:-]{0,127}`.
@Suite struct DeviceIDTests {
    @Test(arguments: ["a", "Z", "7", "dev1", "pump-7", "sensor_7", "line.3", "site:pump", "A-b_c.d:e9",
                      String(repeating: "x", count: 128), "demo-cert", "bench-12"])
    func deviceID_acceptsTheGrammar(_ text: String) throws {
        #expect(try DeviceID(text).rawValue == text)
    }

    @Test(arguments: [
        ("", IdentityError.empty), (String(repeating: "x", count: 129), .tooLong),
        ("-a", .badFirstCharacter), (".a", .badFirstCharacter), ("_a", .badFirstCharacter), (":a", .badFirstCharacter),
        ("$SYS", .badFirstCharacter), ("h-dn,O=Evil", .forbiddenCharacter), ("a=b", .forbiddenCharacter),
        ("a b", .forbiddenCharacter), ("a+b", .forbiddenCharacter), ("a#b", .forbiddenCharacter), ("a/b", .forbiddenCharacter),
        ("a$", .forbiddenCharacter), ("a%u", .forbiddenCharacter), ("a'b", .forbiddenCharacter), ("a\"b", .forbiddenCharacter),
        ("caf\u{E9}", .forbiddenCharacter), ("\u{212A}1", .badFirstCharacter), ("a\u{0}b", .forbiddenCharacter),
        ("a\u{7}", .forbiddenCharacter), ("a\nb", .forbiddenCharacter), ("a\\b", .forbiddenCharacter),
    ])
    func deviceID_refusesEverythingElse_withAnErrorStatingTheRule(_ text: String, _ expected: IdentityError) {
        #expect(throws: expected) { try DeviceID(text) }
        #expect(expected.description.hasSuffix("(\(DeviceID.rule))"))
    }

    @Test func deviceID_decodingAppliesTheGrammar() throws {
        #expect(try JSONDecoder().decode([DeviceID].self, from: Data(#"["pump-7"]"#.utf8)) == [try DeviceID("pump-7")])
        #expect(throws: (any Error).self) { try JSONDecoder().decode([DeviceID].self, from: Data(#"["a,O=b"]"#.utf8)) }
    }
}
