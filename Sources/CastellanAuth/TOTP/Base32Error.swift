/// Why a string is not RFC 4648 base32.
///
/// Offsets count UTF-8 bytes from the start of the input; the offending character itself is
/// never echoed, because the input is usually a secret.
public struct Base32Error: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidCharacter(offset: Int)
        case whitespace(offset: Int)
        case invalidLength
        case invalidPadding
        case nonZeroTrailingBits
    }

    private let code: Code
    /// Where it was raised, for debugging; not part of equality.
    public let origin: ErrorOrigin

    /// A byte outside `A-Z`, `a-z`, `2-7` (and trailing `=`).
    public static func invalidCharacter(offset: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidCharacter(offset: offset), origin: ErrorOrigin(fileID, line))
    }

    /// Whitespace: refused rather than skipped, so a secret means exactly one thing.
    public static func whitespace(offset: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .whitespace(offset: offset), origin: ErrorOrigin(fileID, line))
    }

    /// A character count no byte string encodes to (1, 3 or 6 modulo 8).
    public static func invalidLength(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidLength, origin: ErrorOrigin(fileID, line))
    }

    /// `=` inside the text, or a padded text whose length is not a multiple of 8.
    public static func invalidPadding(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidPadding, origin: ErrorOrigin(fileID, line))
    }

    /// The last character carries bits beyond the data (RFC 4648 §3.5): a non-canonical
    /// spelling, refused so that each byte string has exactly one accepted encoding per case.
    public static func nonZeroTrailingBits(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .nonZeroTrailingBits, origin: ErrorOrigin(fileID, line))
    }

    public var description: String {
        switch code {
        case .invalidCharacter(let offset): "invalid base32 character at byte \(offset)"
        case .whitespace(let offset): "whitespace at byte \(offset) (remove spaces and line breaks)"
        case .invalidLength: "base32 text has an impossible length"
        case .invalidPadding: "base32 padding is malformed"
        case .nonZeroTrailingBits: "base32 text has non-zero trailing bits (not canonical)"
        }
    }
}
