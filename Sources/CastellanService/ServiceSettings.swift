import CastellanAuth
import CastellanStore
import Foundation
import X509

/// What `castellan.yaml` and the CA folder say about deciding, ready to use.
///
/// Immutable: a reload builds a new value and swaps it in whole, so a request sees either
/// the old settings or the new ones, never a mix.
public struct ServiceSettings: Sendable {
    public let configuration: CastellanConfiguration
    /// Client certificates, or `nil` when the CA folder holds no `ca.pem` yet (every
    /// certificate is then refused).
    public let certificates: DeviceCertificateConfiguration?
    public let identityCheck: ConnectIdentityCheck
    public let scram: SCRAMServerConfiguration
    /// Where SCRAM `-PLUS` is offered, and bound to what; `nil`: nowhere.
    let channelBinding: ChannelBindingListener?

    /// Reads the CA certificate (public part only: the service never needs the CA key) and the
    /// broker certificate that SCRAM `-PLUS` exchanges are bound to.
    ///
    /// - Parameter unknownUserKey: derives unknown users' fake SCRAM parameters; keep it stable
    ///   (``ServiceSettings/unknownUserKey(_:)``), or a restart or reload would tell which
    ///   names are real.
    public init(configuration: CastellanConfiguration, unknownUserKey: [UInt8]) throws {
        self.configuration = configuration
        let caFile = configuration.caDirectory + "/ca.pem"
        if FileManager.default.fileExists(atPath: caFile) {
            let pem = try String(contentsOfFile: caFile, encoding: .utf8)
            certificates = DeviceCertificateConfiguration(trustRoots: [try Certificate(pemEncoded: pem)])
        } else {
            certificates = nil
        }
        identityCheck = ConnectIdentityCheck(binding: configuration.clientIDBinding)
        channelBinding = try ChannelBindingListener(configuration: configuration)
        var scram = try SCRAMServerConfiguration(unknownUserKey: unknownUserKey)
        scram.channelBindingEnabled = channelBinding != nil
        self.scram = scram
    }

    /// Where SCRAM `-PLUS` is offered, in words for the log: the listener port and the
    /// certificate the exchanges are bound to, or why nowhere.
    public var channelBindingSummary: String {
        if let channelBinding {
            return "offered on listener port \(channelBinding.port), bound to \(channelBinding.certificateFile) (tls-server-end-point)"
        }
        if configuration.tlsPasswordPort == 0 { return "offered nowhere: broker.tls_password_port is 0" }
        return "offered nowhere: no broker certificate at \(configuration.brokerCertificatePrefix).pem (castellan cert server)"
    }

    /// The unknown-user key for a store sealed with `masterKey`: derived from it, so the same
    /// on every start and reload (it changes only with `castellan key rotate`).
    public static func unknownUserKey(_ masterKey: MasterKey) -> [UInt8] {
        masterKey.derivedKey(for: "castellan/scram-unknown-user/v1")
    }

    public var lockout: LockoutPolicy { configuration.lockout }
}
