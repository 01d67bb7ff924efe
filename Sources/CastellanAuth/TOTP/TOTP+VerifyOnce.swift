/// The outcome of a single-use TOTP check: a value, so a refused code is data, not an error.
public enum TOTPVerification: Sendable, Hashable {
    /// The code matched `step`, and that step is now recorded as used.
    case accepted(step: Int64)
    /// Refused: `bad_credentials` for a wrong code, `totp_replay` for a step already used or older.
    case denied(DenialReason)

    /// The denial, or `nil` when accepted.
    public var denialReason: DenialReason? {
        if case .denied(let reason) = self { reason } else { nil }
    }
}

extension TOTP {
    /// Verifies `code` within `window` (clamped to ±1) and, if it matches, claims its step in
    /// `replayGuard`, so the same code — or an older one — is refused from then on.
    ///
    /// A wrong code records nothing in the guard. Only the guard's infrastructure failures
    /// throw; a caller must treat a throw as a denial (fail closed).
    public func verifyOnce(_ code: String, at unixTime: Int64, window: Int = 1, device: DeviceID, replayGuard: any TOTPReplayGuard) async throws -> TOTPVerification {
        guard let step = verify(code, at: unixTime, window: window) else {
            return .denied(.totpMismatch())
        }
        guard try await replayGuard.accept(step: step, for: device) else { return .denied(.totpReplay()) }
        return .accepted(step: step)
    }
}
