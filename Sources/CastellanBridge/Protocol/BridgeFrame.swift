/// A framed message: what travels on the socket (docs/bridge-protocol.md).
///
///     u32 body length N (5…maxBodyLength) · u8 type · u32 request id · fields
public struct BridgeFrame: Sendable, Hashable {
    /// The protocol version both sides speak.
    public static let version: UInt16 = 3
    /// The largest body (type + id + fields) either side accepts: 256 KiB, room for the
    /// largest ACL rule set (131,587 bytes) and a certificate chain.
    public static let maxBodyLength = 262_144
    /// Type and request id.
    static let headerLength = 5

    public var id: UInt32
    public var message: BridgeMessage

    /// A frame; `id` must be 0 for notifications and pushes and non-zero otherwise.
    public init(id: UInt32, _ message: BridgeMessage) {
        self.id = id
        self.message = message
    }

    /// The whole frame, length prefix included.
    public func encoded() -> [UInt8] {
        var writer = FrameWriter(capacity: 256)  // a decision with a small rule set in one allocation
        writer.u32(0)  // patched below, once the body length is known
        writer.u8(message.typeCode)
        writer.u32(id)
        message.encodeFields(into: &writer)
        var bytes = writer.bytes
        let length = UInt32(bytes.count - 4)
        bytes[0] = UInt8(truncatingIfNeeded: length >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: length >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: length >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: length)
        return bytes
    }

    /// Decodes one body (without the length prefix) sent by `direction`.
    ///
    /// Strict: a short field, trailing bytes, an unknown type or one from the other
    /// direction, a bad id or enum value, invalid UTF-8 — each throws, nothing is repaired.
    public static func decode(body: some Collection<UInt8>, from direction: BridgeDirection) throws(BridgeFrameError) -> BridgeFrame {
        guard body.count >= headerLength, body.count <= maxBodyLength else { throw .badLength(body.count) }
        var reader = FrameReader(Array(body))
        let type = try reader.u8()
        let id = try reader.u32()
        let message = try BridgeMessage.decodeFields(type: type, from: &reader, direction: direction)
        guard reader.remaining == 0 else { throw .trailingBytes(reader.remaining) }
        if message.isNotification != (id == 0) { throw .badRequestID(id) }
        return BridgeFrame(id: id, message)
    }

    /// Decodes a whole frame, length prefix included (tests and fixtures).
    public static func decode(frame bytes: [UInt8], from direction: BridgeDirection) throws(BridgeFrameError) -> BridgeFrame {
        var reader = FrameReader(bytes)
        let length = Int(try reader.u32())
        guard length >= headerLength, length <= maxBodyLength else { throw .badLength(length) }
        guard reader.remaining == length else {
            throw reader.remaining < length ? .truncated : .trailingBytes(reader.remaining - length)
        }
        return try decode(body: bytes.dropFirst(4), from: direction)
    }
}
