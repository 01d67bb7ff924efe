/// Shared lexical rules of the RFC 5802 grammar (§7): envelope checks, splitting into
/// `name=value` attributes, saslname escaping, nonces and numbers.
///
/// Everything works on bytes and returns a typed ``SCRAMError``: untrusted input never traps.
enum SCRAMWire {
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")

    /// Length, NUL and UTF-8 checks every incoming message passes before it is split.
    static func checkEnvelope(_ message: [UInt8], maximumLength: Int) throws(SCRAMError) {
        guard message.count <= maximumLength else {
            throw .messageTooLong("message of \(message.count) bytes exceeds \(maximumLength)")
        }
        guard !message.isEmpty else { throw .invalidEncoding("empty message") }
        guard !message.contains(0) else { throw .invalidEncoding("NUL byte in message") }
        guard String(validating: message, as: UTF8.self) != nil else {
            throw .invalidEncoding("message is not valid UTF-8")
        }
    }

    /// The comma-separated fields of `bytes`, empty ones included (so `a,,b` has three).
    static func fields(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(6)
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == comma {
            fields.append(bytes[start..<index])
            start = index + 1
        }
        fields.append(bytes[start..<bytes.endIndex])
        return fields
    }

    /// Splits `x=value` into its name and non-empty value (`attr-val` of the grammar).
    static func attribute(_ field: ArraySlice<UInt8>) throws(SCRAMError) -> (name: UInt8, value: ArraySlice<UInt8>) {
        guard field.count >= 2, isAlpha(field[field.startIndex]),
              field[field.startIndex + 1] == equals
        else { throw .invalidEncoding("malformed attribute") }
        let value = field.dropFirst(2)
        guard !value.isEmpty else {
            throw .invalidEncoding("empty value for attribute '\(Character(Unicode.Scalar(field[field.startIndex])))'")
        }
        return (field[field.startIndex], value)
    }

    /// The value of the attribute `name` expected at `fields[index]`.
    ///
    /// A missing field, another name, or `m=` in its place are each refused; `m=` with
    /// `extensions-not-supported` as RFC 5802 §5.1 requires.
    static func expect(
        _ name: Character, in fields: [ArraySlice<UInt8>], at index: Int
    ) throws(SCRAMError) -> ArraySlice<UInt8> {
        guard index < fields.count else { throw .invalidEncoding("missing attribute '\(name)'") }
        let (found, value) = try attribute(fields[index])
        guard found == name.asciiValue else {
            if found == UInt8(ascii: "m") { throw .extensionsNotSupported("mandatory extension 'm' present") }
            throw .invalidEncoding("expected attribute '\(name)', found '\(Character(Unicode.Scalar(found)))'")
        }
        return value
    }

    /// Refuses an attribute found in the extension position of a message.
    ///
    /// A name the message already used (or that belongs to the grammar at a fixed place)
    /// is a duplicate or out-of-order attribute: `invalid-encoding`. Anything else is an
    /// extension Castellan does not implement: `extensions-not-supported`.
    static func refuseExtension(_ name: UInt8) -> SCRAMError {
        let letter = Character(Unicode.Scalar(name))
        if "nracpsivet".contains(letter) {
            return .invalidEncoding("duplicated or out-of-order attribute '\(letter)'")
        }
        return .extensionsNotSupported("unknown extension attribute '\(letter)'")
    }

    static func isAlpha(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// `printable = %x21-2B / %x2D-7E`: visible ASCII except the comma.
    static func isPrintableNonce<C: Collection>(_ value: C) -> Bool where C.Element == UInt8 {
        !value.isEmpty && value.allSatisfy { (0x21...0x7E).contains($0) && $0 != comma }
    }

    /// Decodes a `saslname`: `=2C` → `,`, `=3D` → `=`, any other `=` refused.
    ///
    /// The result must be non-empty UTF-8 without control characters (C0, DEL, C1),
    /// which SASLprep would also prohibit.
    static func unescapeSASLName(_ value: ArraySlice<UInt8>) throws(SCRAMError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(value.count)
        var index = value.startIndex
        while index < value.endIndex {
            let byte = value[index]
            if byte == equals {
                guard value.endIndex - index >= 3 else {
                    throw .invalidUsernameEncoding("truncated '=' escape in name")
                }
                let hi = value[index + 1], lo = value[index + 2]
                if hi == UInt8(ascii: "2") && lo == UInt8(ascii: "C") {
                    output.append(comma)
                } else if hi == UInt8(ascii: "3") && lo == UInt8(ascii: "D") {
                    output.append(equals)
                } else {
                    throw .invalidUsernameEncoding("'=' not followed by 2C or 3D in name")
                }
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        guard let text = String(validating: output, as: UTF8.self), !text.isEmpty else {
            throw .invalidUsernameEncoding("empty or non-UTF-8 name")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidUsernameEncoding("control character in name")
        }
        return text
    }

    /// Encodes a `saslname`: `=` → `=3D`, `,` → `=2C`.
    static func escapeSASLName(_ name: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case equals: output.append(contentsOf: Array("=3D".utf8))
            case comma: output.append(contentsOf: Array("=2C".utf8))
            default: output.append(byte)
            }
        }
        return output
    }

    /// `posit-number = %x31-39 *DIGIT`, at most nine digits so it always fits an `Int`.
    static func positiveNumber(_ value: ArraySlice<UInt8>) -> Int? {
        guard let first = value.first, first != UInt8(ascii: "0"), value.count <= 9,
              value.allSatisfy(isDigit)
        else { return nil }
        return value.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// A TOTP code as carried in `t=`: six to eight ASCII digits.
    static func isTOTPCode<C: Collection>(_ value: C) -> Bool where C.Element == UInt8 {
        (6...8).contains(value.count) && value.allSatisfy(isDigit)
    }
}
