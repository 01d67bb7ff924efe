import CastellanAuth
import CastellanStore
import Foundation

/// Where SCRAM `-PLUS` is offered: the broker's TLS password listener, and the
/// `tls-server-end-point` data (RFC 5929 §4) of the certificate it presents.
///
/// The broker terminates TLS, so the service cannot see the channel: the plugin names the
/// listener a connection came in on (``CastellanBridge/ExtAuthRequest/listenerPort``, mosquitto
/// 2.1 only) and the service binds exchanges on this port to the broker certificate it issued
/// (`castellan cert server --out PREFIX`, recorded in the CA folder). A client whose TLS peer
/// was another certificate — a relay between it and the broker — computes other binding data,
/// and its proof fails. On any other port, and on mosquitto 2.0 (port 0), `-PLUS` is refused.
struct ChannelBindingListener: Sendable {
    /// `broker.tls_password_port` of castellan.yaml.
    let port: UInt16
    /// The broker certificate's PEM file.
    let certificateFile: String
    let binding: SCRAMChannelBinding

    /// Read from `configuration`: `nil` when `broker.tls_password_port` is 0 or the broker
    /// certificate does not exist (yet): `-PLUS` is then offered nowhere.
    ///
    /// - Throws: ``ServiceStartError`` when the certificate file exists but cannot be read or
    ///   parsed: a broker presenting it would fail every `-PLUS` exchange, so say so at once.
    init?(configuration: CastellanConfiguration) throws {
        guard let port = UInt16(exactly: configuration.tlsPasswordPort), port != 0 else { return nil }
        let file = configuration.brokerCertificatePrefix + ".pem"
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        do {
            binding = try SCRAMChannelBinding.tlsServerEndPoint(certificatePEM: try String(contentsOfFile: file, encoding: .utf8))
        } catch {
            throw ServiceStartError("the broker certificate \(file) cannot be read for SCRAM channel binding: \(error)")
        }
        self.port = port
        certificateFile = file
    }

    /// The binding data of a connection on listener `port`, or `nil` where `-PLUS` is not offered.
    func binding(forListenerPort port: UInt16) -> SCRAMChannelBinding? {
        port == self.port ? binding : nil
    }
}
