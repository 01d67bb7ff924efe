/// An MQTT password field under the `password+totp` policy, split into password and code.
///
/// The device sends its password immediately followed by the TOTP code; the last `digits`
/// bytes are the code and everything before is the password (which may itself end in digits:
/// the split is by length, never by scanning). The password is raw bytes, as MQTT allows.
/// `description` is redacted.
public struct PasswordWithTOTP: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The password part.
    public let password: [UInt8]
    /// The code part: exactly `digits` ASCII digits.
    public let code: String

    /// Splits `field`; `nil` when `digits` is outside 6...8, the field has no password byte
    /// before the code, or the last `digits` bytes are not all ASCII digits.
    public init?(field: some Collection<UInt8>, digits: Int) {
        let bytes = Array(field)
        guard HOTP.digitsRange.contains(digits), bytes.count > digits else { return nil }
        let split = bytes.count - digits
        let codeBytes = bytes[split...]
        guard codeBytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        self.password = Array(bytes[..<split])
        self.code = String(decoding: codeBytes, as: UTF8.self)
    }

    public var description: String { "PasswordWithTOTP(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
