import CastellanAuth

/// Why bytes could not be decoded as an MQTT packet, or a packet could not be encoded.
///
/// Everything the broker sends is untrusted: every malformed input ends here as a value,
/// never as a trap. Equal by ``code`` only; the ``detail`` (never payload bytes, passwords or
/// codes) and the throw site are for logs.
public struct MQTTCodecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; stable for tests and metrics. More codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case truncated, malformedVariableByteInteger, packetTooLarge, invalidUTF8
            case invalidFlags, unsupportedPacketType, invalidProperty, duplicateProperty
            case protocolViolation, valueTooLarge, invalidReasonCode, unsupportedProtocol
        }
        fileprivate let base: Base
        /// The packet ends before a field it announced (or its length says more than it holds).
        public static let truncated = Code(base: .truncated)
        /// A variable byte integer longer than 4 bytes.
        public static let malformedVariableByteInteger = Code(base: .malformedVariableByteInteger)
        /// Over the maximum packet size agreed for this connection.
        public static let packetTooLarge = Code(base: .packetTooLarge)
        /// A string that is not valid UTF-8 or holds U+0000.
        public static let invalidUTF8 = Code(base: .invalidUTF8)
        /// Fixed-header flags that the packet type forbids.
        public static let invalidFlags = Code(base: .invalidFlags)
        /// A packet type this client does not speak (QoS 2 flow, reserved types).
        public static let unsupportedPacketType = Code(base: .unsupportedPacketType)
        /// A property not allowed in this packet, unknown, or with an invalid value.
        public static let invalidProperty = Code(base: .invalidProperty)
        /// A property that may appear once, seen twice.
        public static let duplicateProperty = Code(base: .duplicateProperty)
        /// Any other rule of the specification broken (zero packet identifier, trailing bytes…).
        public static let protocolViolation = Code(base: .protocolViolation)
        /// A value too large for its wire field (encoding only).
        public static let valueTooLarge = Code(base: .valueTooLarge)
        /// A reason code not defined for this packet.
        public static let invalidReasonCode = Code(base: .invalidReasonCode)
        /// A CONNECT with a protocol name or level other than MQTT 3.1.1 or 5.0.
        public static let unsupportedProtocol = Code(base: .unsupportedProtocol)
        /// The snake_case name, e.g. `malformed_variable_byte_integer`.
        public var description: String {
            base.rawValue.reduce(into: "") { text, character in
                if character.isUppercase { text += "_" + character.lowercased() } else { text.append(character) }
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What was wrong, safe to log.
    public let detail: String
    /// Where it was thrown, for debugging; not part of equality.
    public let origin: ErrorOrigin

    private init(_ code: Code, _ detail: String, fileID: String, line: Int) {
        self.code = code
        self.detail = detail
        self.origin = ErrorOrigin(fileID, line)
    }

    /// `MQTT <code>: <detail>`.
    public var description: String { "MQTT \(code): \(detail)" }
    /// Equal when the codes are equal.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    static func truncated(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.truncated, detail, fileID: fileID, line: line)
    }
    static func malformedVariableByteInteger(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.malformedVariableByteInteger, detail, fileID: fileID, line: line)
    }
    static func packetTooLarge(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.packetTooLarge, detail, fileID: fileID, line: line)
    }
    static func invalidUTF8(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidUTF8, detail, fileID: fileID, line: line)
    }
    static func invalidFlags(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidFlags, detail, fileID: fileID, line: line)
    }
    static func unsupportedPacketType(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.unsupportedPacketType, detail, fileID: fileID, line: line)
    }
    static func invalidProperty(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidProperty, detail, fileID: fileID, line: line)
    }
    static func duplicateProperty(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.duplicateProperty, detail, fileID: fileID, line: line)
    }
    static func protocolViolation(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.protocolViolation, detail, fileID: fileID, line: line)
    }
    static func valueTooLarge(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.valueTooLarge, detail, fileID: fileID, line: line)
    }
    static func invalidReasonCode(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidReasonCode, detail, fileID: fileID, line: line)
    }
    static func unsupportedProtocol(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.unsupportedProtocol, detail, fileID: fileID, line: line)
    }
}
