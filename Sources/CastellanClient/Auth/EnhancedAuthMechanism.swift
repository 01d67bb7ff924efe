/// One MQTT 5 enhanced-authentication exchange, seen from the device.
///
/// The client drives it: ``method`` and ``initialData()`` go into CONNECT (or into AUTH 0x19
/// for a re-authentication); every AUTH 0x18 from the broker goes to ``continue(with:)``,
/// whose answer is sent back in AUTH 0x18; the final CONNACK (or AUTH 0x00) goes to
/// ``finish(with:)``, which must throw unless the broker proved itself — that is where mutual
/// authentication happens. A value is used for one exchange only: the client asks its
/// factory for a fresh one on every connect and re-authentication.
public protocol EnhancedAuthMechanism: Sendable {
    /// The Authentication Method, e.g. `SCRAM-SHA-256`.
    var method: String { get }
    /// The Authentication Data of the first packet, or `nil` to send none.
    mutating func initialData() throws -> [UInt8]?
    /// Answers one challenge (AUTH 0x18) from the broker.
    mutating func `continue`(with serverData: [UInt8]) throws -> [UInt8]
    /// Checks the broker's final data (`nil` when the packet had none); throws to fail the connection.
    mutating func finish(with serverFinalData: [UInt8]?) throws
}
