import CastellanAuth

/// A device's TOTP credential as stored, its secret still sealed.
///
/// The connect path reads it with the rest of the device and opens it only when a code is
/// checked: connects refused earlier, and devices whose policy has no TOTP, never pay for an
/// AES-GCM open, and the secret is in the clear only while a code is verified.
public struct SealedTOTPEnrolment: Sendable {
    /// The device the secret is bound to (the seal's authenticated context).
    public let device: DeviceID
    /// Code length, needed before the secret to split `password‖code` fields.
    public let digits: Int
    /// The newest time step accepted for this device, `nil` before the first.
    public let lastAcceptedStep: Int64?
    let sealedSecret: [UInt8]
    private let algorithm: String
    private let period: Int
    private let t0: Int64
    /// The store's sealer when the row was read: a key rotated since then fails to open it
    /// (a refusal, never a wrong secret), and the next read carries the new key.
    private let sealer: SecretSealer

    init(device: DeviceID, sealedSecret: [UInt8], algorithm: String, digits: Int, period: Int, t0: Int64,
         lastAcceptedStep: Int64?, sealer: SecretSealer) {
        self.device = device
        self.digits = digits
        self.lastAcceptedStep = lastAcceptedStep
        self.sealedSecret = sealedSecret
        self.algorithm = algorithm
        self.period = period
        self.t0 = t0
        self.sealer = sealer
    }

    /// The opened credential; throws ``StoreError/sealedSecretRejected(_:fileID:line:)`` when the
    /// sealed secret was tampered with, and ``StoreError/corruptRecord(_:fileID:line:)`` for bad parameters.
    public func open() throws -> TOTPEnrolment {
        let secret = try sealer.open(sealedSecret, context: device.rawValue)
        do {
            let totp = try TOTP(
                secret: TOTPSecret(bytes: secret), algorithm: OTPAlgorithm(parsing: algorithm), digits: digits,
                period: period, t0: t0)
            return TOTPEnrolment(totp: totp, lastAcceptedStep: lastAcceptedStep)
        } catch {
            throw StoreError.corruptRecord("TOTP credential of '\(device)': \(error)")
        }
    }
}
