import CastellanAuth
import CastellanCA
import CastellanStore
import Crypto
import Foundation
import X509

extension Fleet {
    /// A one-time enrolment token just made: what `castellan device enrol-token` prints and
    /// `POST /v1/devices/{id}/enrol-token` answers. ``token`` is shown this once and stored only
    /// as a salted HMAC; ``description`` and the mirror leave it out.
    public struct EnrolmentToken: Sendable, Encodable, CustomStringConvertible, CustomReflectable {
        /// The device it enrols.
        public let device: String
        /// The token (43 base64url characters, 256 bits; never starting with `-`).
        public let token: String
        /// When it stops working, Unix seconds.
        public let expires: Int64

        /// What `dump` and debuggers show: no token.
        public var customMirror: Mirror {
            Mirror(self, children: ["device": device, "expires": expires], displayStyle: .struct)
        }

        public var description: String { "enrolment token for \(device), expires \(expires) (token not shown)" }
    }

    /// How long an enrolment token may live, in seconds: a minute to 30 days.
    public static let enrolmentTokenLifetimes: ClosedRange<Int64> = 60...(30 * 86_400)

    /// The default token lifetime: a day, long enough to ship a device, short enough that a leaked token soon dies.
    public static let defaultEnrolmentTokenLifetime: Int64 = 86_400

    /// A lifetime written as a whole number with a unit — `90s`, `30m`, `24h`, `7d` — in seconds,
    /// within ``enrolmentTokenLifetimes``; ``FleetError/Kind/usage`` naming `option` otherwise.
    public static func tokenLifetime(_ text: String, option: String) throws(FleetError) -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), text.count > 1,
              text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int64(text.dropLast()),
              count <= Self.enrolmentTokenLifetimes.upperBound,
              Self.enrolmentTokenLifetimes.contains(count * unit)
        else {
            throw .usage("\(option) must be a whole number with s, m, h or d, from 60s to 30d (e.g. 24h)")
        }
        return count * unit
    }

    /// Makes the device a new one-time enrolment token valid for `lifetime` seconds, replacing any
    /// earlier one (recorded in the change log as `enrolment.token`).
    ///
    /// ``FleetError/Kind/notFound`` for an unknown device; ``FleetError/Kind/conflict`` for a disabled one.
    public func createEnrolmentToken(for device: DeviceID, lifetime: Int64) async throws -> EnrolmentToken {
        guard Self.enrolmentTokenLifetimes.contains(lifetime) else {
            throw FleetError.usage("the lifetime must be 60 seconds to 30 days")
        }
        let record = try await requireDevice(device)
        guard record.enabled else { throw FleetError.conflict("device \(device) is disabled") }
        // Never one that starts with `-`: a command line would read it as an option (`--token
        // -x…` is "missing value" to most parsers), one token in 64. Drawing again costs 0.02 bits.
        var token = Self.base64URL(try entropy.bytes(32))
        while token.hasPrefix("-") { token = Self.base64URL(try entropy.bytes(32)) }
        let salt = try entropy.bytes(16)
        let created = now()
        try await store.setEnrolmentToken(EnrolmentTokenRecord(
            device: device, salt: salt, digest: Self.tokenDigest(token, salt: salt), created: created,
            expires: created + lifetime))
        return EnrolmentToken(device: device.rawValue, token: token, expires: created + lifetime)
    }

    /// Issues a certificate for `csr` to a device that proves itself with its one-time enrolment
    /// token (EST `simpleenroll`); the token is used up by the first request that passes.
    ///
    /// Refused, with nothing issued: a token that is wrong, expired, used or not the device's, or
    /// an unknown device (all ``FleetError/Kind/unauthorized``, so a caller learns nothing about
    /// which devices exist); a disabled device (``FleetError/Kind/conflict``); a CSR that
    /// ``CSRPolicy`` refuses (``FleetError/Kind/invalid``). The token is checked before the CSR
    /// and used up only after the CSR passed, so a device whose CSR was refused can try again.
    public func enrol(_ device: DeviceID, token: String, csr: CertificateSigningRequest, validityDays: Int?) async throws
        -> CertificateIssue
    {
        let stored = try await store.enrolmentToken(device: device)
        // The same HMAC is computed for an unknown device, so both take the same time.
        let digest = Self.tokenDigest(token, salt: stored?.salt ?? Self.absentSalt)
        guard let stored, ConstantTime.equal(digest, stored.digest) else {
            throw FleetError.unauthorized("the enrolment token is not valid for device \(device)")
        }
        guard stored.expires > now() else { throw FleetError.unauthorized("the enrolment token for device \(device) has expired") }
        let record = try await requireDevice(device)
        guard record.enabled else { throw FleetError.conflict("device \(device) is disabled") }
        try Self.checkCSR(csr, for: device)
        guard try await store.consumeEnrolmentToken(device: device, digest: stored.digest, at: now()) else {
            throw FleetError.unauthorized("the enrolment token for device \(device) was used already")
        }
        return try await issueCertificate(for: device, key: .csr(pem: try Self.pem(csr), name: "the CSR"), validityDays: validityDays)
    }

    /// Issues a new certificate for `csr` to a device that authenticated with `current`, its valid,
    /// unrevoked certificate (EST `simplereenroll`; the caller verified `current`).
    ///
    /// Refused, with nothing issued: a disabled or removed device (``FleetError/Kind/conflict``,
    /// ``FleetError/Kind/notFound``); a CSR that ``CSRPolicy`` refuses or, unless `allowSameKey`,
    /// that keeps `current`'s public key (``FleetError/Kind/invalid``).
    public func reenrol(_ device: DeviceID, current: Certificate, csr: CertificateSigningRequest, allowSameKey: Bool,
                        validityDays: Int?) async throws -> CertificateIssue {
        let record = try await requireDevice(device)
        guard record.enabled else { throw FleetError.conflict("device \(device) is disabled") }
        try Self.checkCSR(csr, for: device)
        if !allowSameKey, csr.publicKey == current.publicKey {
            throw FleetError.invalid("the CSR keeps the current certificate's key: renewal needs a new key")
        }
        return try await issueCertificate(for: device, key: .csr(pem: try Self.pem(csr), name: "the CSR"), validityDays: validityDays)
    }

    /// ``CSRPolicy``'s rules as a fleet refusal.
    private static func checkCSR(_ csr: CertificateSigningRequest, for device: DeviceID) throws(FleetError) {
        do { try CSRPolicy.check(csr, for: device) } catch { throw .invalid(error.description) }
    }

    private static func pem(_ csr: CertificateSigningRequest) throws -> String {
        try csr.serializeAsPEM().pemString
    }

    /// HMAC-SHA256(salt, token): the token has 256 random bits, so no slow KDF is needed — a
    /// guess costs as much as guessing the token itself.
    static func tokenDigest(_ token: String, salt: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(token.utf8), using: SymmetricKey(data: salt)))
    }

    private static let absentSalt = [UInt8](repeating: 0, count: 16)

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
