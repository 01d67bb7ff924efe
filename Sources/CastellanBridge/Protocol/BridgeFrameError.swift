/// Why a frame was refused. Any of these closes the connection it arrived on.
public enum BridgeFrameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A field or the body ended early.
    case truncated
    /// The body length is outside 5…``BridgeFrame/maxBodyLength``.
    case badLength(Int)
    /// Bytes left after the last field.
    case trailingBytes(Int)
    /// A type this direction does not send.
    case unknownType(UInt8, BridgeDirection)
    /// A request with id 0, or a notification with a non-zero id.
    case badRequestID(UInt32)
    /// An enumerated field holds a value outside its range.
    case badValue(field: String, UInt8)
    /// A string field is not UTF-8, or holds U+0000.
    case badString(field: String)
    /// A field that may not be absent is marked absent.
    case absentField(String)
    /// A field longer than the protocol allows (a session tag over 512 bytes).
    case tooLong(field: String, Int)

    public var description: String {
        switch self {
        case .truncated: "frame truncated"
        case .badLength(let length): "frame body length \(length) outside 5…\(BridgeFrame.maxBodyLength)"
        case .trailingBytes(let count): "\(count) trailing bytes after the last field"
        case .unknownType(let type, let direction): "type 0x\(String(type, radix: 16)) is not a \(direction) message"
        case .badRequestID(let id): "request id \(id) not allowed for this message"
        case .badValue(let field, let value): "\(field) has invalid value \(value)"
        case .badString(let field): "\(field) is not UTF-8 without NUL"
        case .absentField(let field): "\(field) may not be absent"
        case .tooLong(let field, let length): "\(field) is \(length) bytes, longer than allowed"
        }
    }
}
