import CastellanAuth

/// A device's outstanding one-time enrolment token, as the store keeps it: never the token,
/// only an HMAC-SHA256 of it under a random per-token salt, so a stolen database holds nothing
/// that enrols a device (see `Fleet.createEnrolmentToken`).
///
/// A device has at most one: a new token replaces the old one, and using it deletes it.
public struct EnrolmentTokenRecord: Sendable, Hashable {
    /// The device the token enrols.
    public var device: DeviceID
    /// The HMAC key the digest was made with (random, per token).
    public var salt: [UInt8]
    /// HMAC-SHA256(salt, token).
    public var digest: [UInt8]
    /// When it was made and when it stops working, Unix seconds.
    public var created: Int64
    public var expires: Int64

    /// A record.
    public init(device: DeviceID, salt: [UInt8], digest: [UInt8], created: Int64, expires: Int64) {
        self.device = device
        self.salt = salt
        self.digest = digest
        self.created = created
        self.expires = expires
    }
}
