import Logging
import NIOSSL
import PostgresNIO

extension PostgresStore {
    /// The client configuration a ``PostgresURL`` describes.
    static func clientConfiguration(_ url: PostgresURL, maximumConnections: Int) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch url.endpoint {
        case .socket:
            configuration = PostgresClient.Configuration(
                unixSocketPath: url.endpoint.socketPath!, username: url.user, password: url.password, database: url.database)
        case .tcp(let host, let port):
            configuration = PostgresClient.Configuration(
                host: host, port: port, username: url.user, password: url.password, database: url.database,
                tls: try tls(url))
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.additionalStartupParameters = [("application_name", url.applicationName)]
        return configuration
    }

    /// The configuration of one unpooled connection (opening migrates through one).
    static func connectionConfiguration(_ url: PostgresURL) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch url.endpoint {
        case .socket:
            configuration = PostgresConnection.Configuration(
                unixSocketPath: url.endpoint.socketPath!, username: url.user, password: url.password, database: url.database)
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS
            if let settings = tlsConfiguration(url) {
                let context = try NIOSSLContext(configuration: settings)
                tls = url.tlsMode == .prefer ? .prefer(context) : .require(context)
            } else {
                tls = .disable
            }
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: url.user, password: url.password, database: url.database, tls: tls)
        }
        configuration.options.additionalStartupParameters = [("application_name", url.applicationName)]
        return configuration
    }

    private static func tls(_ url: PostgresURL) throws -> PostgresClient.Configuration.TLS {
        guard let settings = tlsConfiguration(url) else { return .disable }
        return url.tlsMode == .prefer ? .prefer(settings) : .require(settings)
    }

    /// libpq's sslmode meanings: `prefer`/`require` encrypt without checking the certificate,
    /// `verify-ca` checks the chain, `verify-full` the chain and the host name; `nil` for `disable`.
    private static func tlsConfiguration(_ url: PostgresURL) -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch url.tlsMode {
        case .disable: return nil
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let roots = url.tlsRootCertificates { tls.trustRoots = .file(roots) }
        return tls
    }
}
