import NIOSSL

/// TLS settings of a client: the CA that signs the broker's certificate and, for mutual TLS,
/// the device's certificate and key — all PEM files.
///
/// The broker's certificate is fully verified (chain and name): against ``serverHostname``
/// when given, else against the host the client connects to (an IP address is matched against
/// the certificate's IP SANs).
public struct MQTTTLSConfiguration: Sendable, Hashable {
    /// PEM file of the CA (or CAs) trusted for the broker; `nil`: the system's trusted CAs.
    public var caFile: String?
    /// PEM file of the client certificate chain, for brokers with `require_certificate true`.
    public var certificateFile: String?
    /// PEM file of the client's private key; needed with ``certificateFile``.
    public var privateKeyFile: String?
    /// The name to verify and send as SNI; `nil` uses the host connected to.
    public var serverHostname: String?

    /// TLS with a CA file and, optionally, a client certificate and key.
    public init(caFile: String?, certificateFile: String? = nil, privateKeyFile: String? = nil, serverHostname: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.serverHostname = serverHostname
    }

    /// Loads the files into a TLS context.
    ///
    /// - Throws: ``MQTTClientError`` `tls_configuration` when a file is missing or unreadable,
    ///   or only one of certificate and key is given.
    func makeContext() throws(MQTTClientError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = caFile.map { .file($0) } ?? .default
        tls.minimumTLSVersion = .tlsv12
        switch (certificateFile, privateKeyFile) {
        case (nil, nil): break
        case (let certificate?, let key?):
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw .tlsConfiguration("cannot load the client certificate or key: \(error)")
            }
        default:
            throw .tlsConfiguration("a client certificate needs its key, and a key its certificate")
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .tlsConfiguration("cannot load the CA file: \(error)")
        }
    }
}
