import CastellanAuth
import CastellanBridge
import CastellanStore

/// The factors a session authenticated with: what a credential change must look at to know
/// whether the session rests on the changed credential.
public struct SessionFactors: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A password or SCRAM secret (both check the stored SCRAM keys).
    public static let secret = SessionFactors(rawValue: 1 << 0)
    /// A TOTP code.
    public static let totp = SessionFactors(rawValue: 1 << 1)
    /// A client certificate (``SessionTag/certificateSerial`` and ``SessionTag/certificateFingerprint`` name it).
    public static let certificate = SessionFactors(rawValue: 1 << 2)

    /// The factors a device policy requires, all of which a session of that policy used.
    public init(_ policy: AuthFactors) {
        switch policy {
        case .cert: self = .certificate
        case .certTOTP: self = [.certificate, .totp]
        case .scram, .password: self = .secret
        case .scramTOTP, .passwordTOTP: self = [.secret, .totp]
        case .totp: self = .totp
        default: self = []
        }
    }
}

/// What the service needs to re-check a session later, handed to the plugin with the allow
/// (``BridgeDecision/tag``) and reported back after a handshake (``LiveConnection/tag``).
///
/// The plugin stores it without reading it; only this type knows the layout:
///
///     u8 format (1) · u8 factors · bytes device id · bytes certificate serial (lower-case hex,
///     empty without a certificate) · bytes certificate fingerprint (32 or 0) · u64 password
///     stamp · u64 TOTP stamp (each 0 when the session did not prove that credential)
///
/// It is not signed: the plugin runs inside the broker, which enforces every decision anyway,
/// so a plugin that forged tags could as well ignore kicks. A tag that does not decode is a
/// session the service cannot vouch for: ``SessionRecheck`` kicks it.
public struct SessionTag: Sendable, Hashable {
    /// The device the session authenticated as.
    public var device: DeviceID
    /// The factors it authenticated with.
    public var factors: SessionFactors
    /// The certificate's serial (lower-case hex, as the `certificates` table keys it), if one was used.
    public var certificateSerial: String?
    /// SHA-256 of the certificate's DER, as the `certificates` table's `fingerprint` column holds it.
    public var certificateFingerprint: CertificateFingerprint?
    /// The password / SCRAM credential the session proved (``CredentialStamp``), if it proved one.
    public var secretStamp: CredentialStamp?
    /// The TOTP enrolment a code of the session was checked against, if any.
    public var totpStamp: CredentialStamp?

    static let format: UInt8 = 1

    public init(device: DeviceID, factors: SessionFactors, certificateSerial: String? = nil,
                certificateFingerprint: CertificateFingerprint? = nil, secretStamp: CredentialStamp? = nil,
                totpStamp: CredentialStamp? = nil) {
        self.device = device
        self.factors = factors
        self.certificateSerial = certificateSerial
        self.certificateFingerprint = certificateFingerprint
        self.secretStamp = secretStamp
        self.totpStamp = totpStamp
    }

    /// The tag of a session a device of `profile` opens now: the factors of its policy, the
    /// certificate it presented, stamps of the stored credentials its policy made it prove.
    init(profile: ConnectProfile, certificate: CertificateIdentity?) {
        let factors = SessionFactors(profile.device.policy)
        self.init(
            device: profile.device.id, factors: factors, certificateSerial: certificate?.serialNumber.hexString,
            certificateFingerprint: certificate?.fingerprint,
            secretStamp: factors.contains(.secret) ? profile.scram.map(CredentialStamp.init) : nil,
            totpStamp: factors.contains(.totp) ? profile.totp.map(CredentialStamp.init) : nil)
    }

    /// The bytes for the plugin; `nil` if they would exceed ``BridgeDecision/maxTagLength`` (a
    /// certificate serial far longer than RFC 5280's 20 octets): the caller denies.
    public func encoded() -> [UInt8]? {
        var writer = FrameWriter()
        writer.u8(Self.format)
        writer.u8(factors.rawValue)
        writer.string(device.rawValue)
        writer.string(certificateSerial ?? "")
        writer.bytes(certificateFingerprint?.bytes ?? [])
        writer.u64(secretStamp?.value ?? 0)
        writer.u64(totpStamp?.value ?? 0)
        return writer.bytes.count <= BridgeDecision.maxTagLength ? writer.bytes : nil
    }

    /// Decodes a tag this service (or an earlier version of it) made; `nil` for anything else.
    public init?(decoding bytes: [UInt8]) {
        var reader = FrameReader(bytes)
        guard let format = try? reader.u8(), format == Self.format, let factors = try? reader.u8(),
              let device = try? reader.string("device"), let id = try? DeviceID(device),
              let serial = try? reader.string("serial"), let digest = try? reader.bytes("fingerprint"),
              let secret = try? reader.u64(), let totp = try? reader.u64(),
              reader.remaining == 0
        else { return nil }
        let fingerprint: CertificateFingerprint?
        switch digest.count {
        case 0: fingerprint = nil
        case 32: fingerprint = CertificateFingerprint(hex: Self.hex(digest))
        default: return nil
        }
        self.init(device: id, factors: SessionFactors(rawValue: factors), certificateSerial: serial.isEmpty ? nil : serial,
                  certificateFingerprint: fingerprint, secretStamp: secret == 0 ? nil : CredentialStamp(secret),
                  totpStamp: totp == 0 ? nil : CredentialStamp(totp))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }
}
