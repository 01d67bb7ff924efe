import CastellanAuth
import CastellanBridge

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
///     u8 format (1) · u64 watermark · u8 factors · bytes device id · bytes certificate serial
///     (lower-case hex, empty without a certificate) · bytes certificate fingerprint (32 or 0)
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
    /// The id of the last store change the service had applied when it read the device for this
    /// decision (see ``ServiceContext/changeWatermark``): a change after it may not be reflected
    /// in the session. 0 until a change follower supplies it.
    public var watermark: UInt64

    static let format: UInt8 = 1

    public init(device: DeviceID, factors: SessionFactors, certificateSerial: String? = nil,
                certificateFingerprint: CertificateFingerprint? = nil, watermark: UInt64) {
        self.device = device
        self.factors = factors
        self.certificateSerial = certificateSerial
        self.certificateFingerprint = certificateFingerprint
        self.watermark = watermark
    }

    /// The bytes for the plugin; `nil` if they would exceed ``BridgeDecision/maxTagLength`` (a
    /// certificate serial far longer than RFC 5280's 20 octets): the caller denies.
    public func encoded() -> [UInt8]? {
        var writer = FrameWriter()
        writer.u8(Self.format)
        writer.u64(watermark)
        writer.u8(factors.rawValue)
        writer.string(device.rawValue)
        writer.string(certificateSerial ?? "")
        writer.bytes(certificateFingerprint?.bytes ?? [])
        return writer.bytes.count <= BridgeDecision.maxTagLength ? writer.bytes : nil
    }

    /// Decodes a tag this service (or an earlier version of it) made; `nil` for anything else.
    public init?(decoding bytes: [UInt8]) {
        var reader = FrameReader(bytes)
        guard let format = try? reader.u8(), format == Self.format,
              let watermark = try? reader.u64(), let factors = try? reader.u8(),
              let device = try? reader.string("device"), let id = try? DeviceID(device),
              let serial = try? reader.string("serial"), let digest = try? reader.bytes("fingerprint"),
              reader.remaining == 0
        else { return nil }
        let fingerprint: CertificateFingerprint?
        switch digest.count {
        case 0: fingerprint = nil
        case 32: fingerprint = CertificateFingerprint(hex: Self.hex(digest))
        default: return nil
        }
        self.init(device: id, factors: SessionFactors(rawValue: factors), certificateSerial: serial.isEmpty ? nil : serial,
                  certificateFingerprint: fingerprint, watermark: watermark)
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }
}
