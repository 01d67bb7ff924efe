import CastellanAuth
import CastellanStore

extension Fleet {
    /// The TOTP parameters a request chose; `nil` fields take the configuration's defaults.
    public struct TOTPChoice: Sendable, Hashable {
        public let algorithm: OTPAlgorithm?
        public let digits: Int?
        public let period: Int?

        /// Parses the texts as the CLI options give them; refusals (``FleetError/Kind/usage``)
        /// name each field as `name` spells it (`--digits`, `` `digits` ``).
        public init(algorithm: String?, digits: String?, period: String?, name: (String) -> String) throws(FleetError) {
            if let algorithm {
                guard let parsed = try? OTPAlgorithm(parsing: algorithm) else {
                    throw .usage("\(name("algorithm")) must be SHA1, SHA256 or SHA512")
                }
                self.algorithm = parsed
            } else {
                self.algorithm = nil
            }
            if let digits {
                guard digits == "6" || digits == "8" else { throw .usage("\(name("digits")) must be 6 or 8") }
                self.digits = Int(digits)
            } else {
                self.digits = nil
            }
            if let period {
                guard period.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(period), TOTP.periodRange.contains(value) else {
                    throw .usage("\(name("period")) must be a whole number of seconds from 1 to 300")
                }
                self.period = value
            } else {
                self.period = nil
            }
        }
    }

    /// A new TOTP enrolment: what `castellan totp enroll --json` prints and `POST /v1/devices/{id}/totp`
    /// answers. ``secret`` is shown this once; ``description`` and the mirror leave it (and the URI holding it) out.
    public struct TOTPEnrolmentResult: Sendable, Encodable, CustomStringConvertible, CustomReflectable {
        public let uri: String
        public let secret: String
        public let algorithm: String
        public let digits: Int
        public let period: Int

        /// What `dump` and debuggers show: no secret, no URI.
        public var customMirror: Mirror {
            Mirror(self, children: ["algorithm": algorithm, "digits": digits, "period": period], displayStyle: .struct)
        }

        public var description: String { "TOTP enrolment (\(algorithm), \(digits) digits, \(period) s; secret not shown)" }
    }

    /// Gives the device a new TOTP secret, replacing any earlier one.
    ///
    /// ``FleetError/Kind/notFound`` for an unknown device; ``FleetError/Kind/conflict`` when its
    /// policy uses no TOTP code; ``FleetError/Kind/invalid`` when its id cannot be an otpauth
    /// account name. Nothing is stored unless all of that passes.
    public func enrollTOTP(_ device: DeviceID, choice: TOTPChoice) async throws -> TOTPEnrolmentResult {
        let record = try await requireDevice(device)
        guard record.policy.requiresTOTP else {
            throw FleetError.conflict("device \(device) has policy \(record.policy), which uses no TOTP code")
        }
        let algorithm = choice.algorithm ?? totpDefaults.algorithm
        let totp = try TOTP(
            secret: TOTPSecret.generate(using: entropy, algorithm: algorithm), algorithm: algorithm,
            digits: choice.digits ?? totpDefaults.digits, period: choice.period ?? totpDefaults.period)
        let uri: OTPAuthURI
        do { uri = try OTPAuthURI(issuer: totpDefaults.issuer, account: device.rawValue, totp: totp) } catch {
            throw FleetError.invalid("device id \(device) cannot be an otpauth account name: \(error)")
        }
        try await store.setTOTP(totp, device: device)
        return TOTPEnrolmentResult(uri: uri.uri, secret: totp.secret.base32, algorithm: totp.algorithm.name,
                                   digits: totp.digits, period: totp.period)
    }
}
