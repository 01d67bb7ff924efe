import CastellanAuth

/// A device's TOTP credential, opened: the generator/verifier and the last accepted step.
///
/// The secret is sealed at rest; the store opens it only when asked for this value.
public struct TOTPEnrolment: Sendable {
    /// Secret, algorithm, digits and period.
    public let totp: TOTP
    /// The newest time step accepted for this device, `nil` before the first.
    public let lastAcceptedStep: Int64?

    /// An enrolment.
    public init(totp: TOTP, lastAcceptedStep: Int64?) {
        self.totp = totp
        self.lastAcceptedStep = lastAcceptedStep
    }
}
