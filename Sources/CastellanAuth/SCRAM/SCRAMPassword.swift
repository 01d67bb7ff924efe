/// The password rules of SCRAM in Castellan, in place of SASLprep (RFC 4013).
///
/// swift-crypto and Foundation offer no SASLprep (stringprep tables), so Castellan does not
/// normalise: the password's UTF-8 bytes are used as given. What it does instead:
/// - the password must be valid UTF-8, 1 to ``maximumByteCount`` bytes long;
/// - control characters (Unicode category Cc: NUL, C0, DEL, C1) are refused, as SASLprep
///   prohibits them too — and mosquitto cuts passwords at NUL anyway.
/// For printable-ASCII passwords SASLprep is the identity, so results match any RFC-conforming
/// peer; a non-ASCII password works as long as every party sends the same bytes (Castellan's
/// client and server do). Generated passwords should be printable ASCII.
enum SCRAMPassword {
    /// Longer passwords are refused: PBKDF2 hashes long keys first, but there is no reason
    /// to let a client make the server hash megabytes.
    static let maximumByteCount = 1024

    static func prepare(_ password: String) throws(SCRAMError) -> [UInt8] {
        try prepare(Array(password.utf8))
    }

    static func prepare(_ password: [UInt8]) throws(SCRAMError) -> [UInt8] {
        guard !password.isEmpty else { throw .invalidPassword("empty password") }
        guard password.count <= maximumByteCount else {
            throw .invalidPassword("password longer than \(maximumByteCount) bytes")
        }
        guard let text = String(validating: password, as: UTF8.self) else {
            throw .invalidPassword("password is not valid UTF-8")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidPassword("password contains a control character")
        }
        return password
    }
}
