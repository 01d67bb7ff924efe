import ArgumentParser
import CastellanAuth
import CastellanCA
import CastellanClient
import CastellanStore
import Foundation
import X509

/// Connection and credential options shared by every `castellan client` subcommand.
struct ClientOptions: ParsableArguments {
    @Option(help: "Broker host name or IP address.")
    var host: String

    @Option(help: "Broker port.")
    var port: Int

    @Flag(help: "Use TLS.")
    var tls = false

    @Option(help: "PEM file of the CA that signed the broker's certificate (default: the CA of castellan.yaml — $CASTELLAN_CONFIG or ./castellan.yaml — when there is one).")
    var ca: String?

    @Option(help: "PEM file of the client certificate (mutual TLS).")
    var cert: String?

    @Option(help: "PEM file of the client's private key.")
    var key: String?

    @Option(name: .customLong("server-name"),
            help: "The name the broker's certificate must hold (default: --host; an IP address then needs it in the certificate).")
    var serverName: String?

    @Option(name: .customLong("client-id"),
            help: "Client identifier (default: the device id — --username, or the device the --cert names — which Castellan requires).")
    var clientID: String?

    @Option(help: "Username.")
    var username: String?

    @Option(name: .customLong("password-file"), help: "File holding the password (one trailing newline is dropped).")
    var passwordFile: String?

    @Option(name: .customLong("totp-secret-file"),
            help: "File holding the base32 TOTP secret: the code goes in SCRAM's t= with --scram, else after the password.")
    var totpSecretFile: String?

    @Option(help: "Enhanced authentication: SCRAM-SHA-256 or SCRAM-SHA-512 (MQTT 5 only); with --tls its -PLUS form, bound to the broker's certificate.")
    var scram: String?

    @Flag(name: .customLong("no-channel-binding"),
          help: "With --scram over --tls: plain SCRAM, not -PLUS (for a broker that offers no -PLUS, such as mosquitto 2.0).")
    var noChannelBinding = false

    @Option(name: .customLong("protocol"), help: "MQTT version: 5 or 3.1.1.")
    var protocolVersion: String = "5"

    @Option(help: "Seconds to wait for each broker answer.")
    var timeout: Double = 10

    @Flag(help: "Print one JSON object per result.")
    var json = false

    /// The CA certificate of the setup `castellan.yaml` describes (`$CASTELLAN_CONFIG`, else
    /// `./castellan.yaml`), if there is one and its CA exists: an operator trying a device from
    /// the machine that runs the service needs no --ca.
    static func configuredCA(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let file = ConfigurationLocator.locate(option: nil, environment: environment,
                                               workingDirectory: FileManager.default.currentDirectoryPath)
        guard FileManager.default.fileExists(atPath: file), let configuration = try? CastellanConfiguration.load(file) else { return nil }
        let ca = configuration.caDirectory + "/" + CertificateAuthority.certificateFile
        return FileManager.default.fileExists(atPath: ca) ? ca : nil
    }

    /// Builds the client configuration; every problem is a usage error (exit 2).
    func configuration() throws -> MQTTClientConfiguration {
        guard let version = MQTTProtocolVersion(name: protocolVersion) else {
            throw ValidationError("--protocol must be 5 or 3.1.1")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535") }
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be 0 < s <= 3600") }
        var configuration = MQTTClientConfiguration(host: host, port: port)
        configuration.protocolVersion = version
        configuration.timeout = .milliseconds(Int64(timeout * 1000))
        configuration.clientID = clientID ?? username ?? cert.flatMap(Self.device(namedIn:))?.rawValue ?? ""
        if tls {
            guard let ca = ca ?? Self.configuredCA() else {
                throw ValidationError("--tls needs --ca (there is no castellan.yaml here, nor $CASTELLAN_CONFIG, to take the CA from)")
            }
            configuration.tls = MQTTTLSConfiguration(caFile: ca, certificateFile: cert, privateKeyFile: key, serverHostname: serverName)
        } else if ca != nil || cert != nil || key != nil || serverName != nil {
            throw ValidationError("--ca, --cert, --key and --server-name need --tls")
        }
        let password = try passwordFile.map(Self.readPassword)
        let totp = try totpSecretFile.map(Self.readTOTP)
        if let scram {
            guard let mechanism = SCRAMMechanism(name: scram), !mechanism.usesChannelBinding else {
                throw ValidationError("--scram must be SCRAM-SHA-256 or SCRAM-SHA-512")
            }
            guard version == .v5 else { throw ValidationError("--scram needs --protocol 5") }
            guard let username, let password else { throw ValidationError("--scram needs --username and --password-file") }
            configuration.authentication = if let totp {
                .scramWithTOTP(mechanism, username: username, password: password, totp: totp, channelBinding: !noChannelBinding)
            } else {
                .scram(mechanism, username: username, password: password, channelBinding: !noChannelBinding)
            }
        } else {
            if noChannelBinding { throw ValidationError("--no-channel-binding needs --scram") }
            configuration.username = username
            if let totp {
                guard let password else { throw ValidationError("--totp-secret-file needs --password-file") }
                let code = try totp.code(at: Int64(Date().timeIntervalSince1970.rounded(.down)))
                configuration.password = password + code
            } else {
                configuration.password = password
            }
        }
        return configuration
    }

    /// The file's text without one trailing newline; nothing else is trimmed.
    static func readPassword(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the password file \(path)")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// A base32 secret, surrounding whitespace ignored; 6 digits, 30 s, SHA-1 (the authenticator default).
    static func readTOTP(_ path: String) throws -> TOTP {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the TOTP secret file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try TOTP(secret: try TOTPSecret(base32: text))
        } catch {
            throw ValidationError("the TOTP secret file does not hold a usable base32 secret")
        }
    }

    /// The device a PEM client certificate names, for the default client id; `nil` if the file
    /// cannot be read or names none (the broker then refuses, and says so).
    static func device(namedIn path: String) -> DeviceID? {
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8), let certificate = try? Certificate(pemEncoded: pem) else {
            return nil
        }
        return certificate.namedDevice
    }
}
