/// The denial codes the policy layer produces; stable strings for metrics and the audit log.
///
/// Details are fixed texts or numbers the service computed itself — never a client-supplied
/// string (log injection) and never a secret.
extension DenialReason {
    /// A password, code, proof or certificate did not verify (`bad_credentials`).
    public static func badCredentials(_ detail: String = "credentials did not verify") -> DenialReason {
        DenialReason(code: "bad_credentials", detail: detail)
    }

    /// The password did not verify (`bad_credentials`): a password connect, the password part of
    /// password+TOTP, and a SCRAM proof alike — one refusal, one name, whichever method.
    public static func wrongPassword() -> DenialReason {
        badCredentials("password did not verify")
    }

    /// The device's policy asks for a TOTP code and none came (`bad_credentials`): no code after
    /// the password, no MQTT password beside a certificate, no `t=` in SCRAM.
    public static func totpMissing() -> DenialReason {
        badCredentials("TOTP code missing")
    }

    /// The TOTP code is not the current one (`bad_credentials`).
    public static func totpMismatch() -> DenialReason {
        badCredentials("TOTP code did not match")
    }

    /// No username, or one that is no device id (`bad_credentials`): no device to try.
    public static func notADeviceID() -> DenialReason {
        badCredentials("no username, or not a device id")
    }

    /// The device may use passwords but has none set (`bad_credentials`).
    public static func noPassword() -> DenialReason {
        badCredentials("no password set for the device")
    }

    /// The device is in lockout backoff until `until` (Unix seconds), or hard-locked when `nil` (`locked_out`).
    public static func lockedOut(until: Int64?) -> DenialReason {
        if let until {
            DenialReason(code: "locked_out", detail: "too many consecutive failures; locked until \(until)")
        } else {
            DenialReason(code: "locked_out", detail: "too many consecutive failures; locked until an operator unlocks the device")
        }
    }

    /// The source address exceeded its connect rate (`rate_limited`).
    public static func rateLimited() -> DenialReason {
        DenialReason(code: "rate_limited", detail: "source address exceeded its connect rate")
    }

    /// The client id is not bound to the identity (`client_id_mismatch`).
    public static func clientIDMismatch() -> DenialReason {
        DenialReason(code: "client_id_mismatch", detail: "client id does not match the authenticated identity")
    }

    /// The client id is not the one bound to the device (``BoundClientID``): the same code as
    /// ``clientIDMismatch()``, so one search finds both; the detail tells which rule refused.
    public static func boundClientIDMismatch() -> DenialReason {
        DenialReason(code: "client_id_mismatch", detail: "client id does not match the client id bound to the device")
    }

    /// The CONNECT username differs from the identity (`username_mismatch`).
    public static func usernameMismatch() -> DenialReason {
        DenialReason(code: "username_mismatch", detail: "username does not match the authenticated identity")
    }

    /// A TOTP step already used, or older than the last used one (`totp_replay`).
    public static func totpReplay() -> DenialReason {
        DenialReason(code: "totp_replay", detail: "TOTP time step already used or older than the last accepted one")
    }
}
