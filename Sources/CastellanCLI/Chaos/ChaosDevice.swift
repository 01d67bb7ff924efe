import CastellanAuth
import CastellanChaos
import CastellanClient
import Foundation

/// One device of the chaos fleet and what it presents when it connects.
///
/// Wrong credentials, per method: a password or SCRAM password that is not the device's, a
/// TOTP code off by one in its last digit (never one of the window's valid codes), and a
/// certificate for the same name signed by a foreign CA (the broker's TLS handshake refuses it).
/// A valid TOTP device connects once per time step and then replays the accepted code once.
struct ChaosDevice: Sendable {
    enum Secret: Sendable {
        case password(String)
        case totp(TOTP)
        /// Files `PREFIX.pem` and `PREFIX.key`.
        case certificate(prefix: String)
    }

    let name: String
    let method: ChaosScenario.Method
    let credential: ChaosFacts.Credential
    let secret: Secret

    /// Where the broker listens, and the CA its TLS listener presents.
    struct Broker: Sendable {
        let port: Int
        let tlsPort: Int
        let caFile: String
    }

    /// A client configured to connect as this device; `code` is the TOTP code to present.
    func configuration(_ broker: Broker, code: String?) -> MQTTClientConfiguration {
        var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
        configuration.clientID = name
        configuration.timeout = .seconds(5)
        switch secret {
        case .password(let password):
            let presented = credential == .valid ? password : "not-" + password
            if method == .scram {
                configuration.authentication = .scram(.sha256, username: name, password: presented)
            } else {
                configuration.username = name
                configuration.password = presented
            }
        case .totp:
            configuration.username = name
            configuration.password = code
        case .certificate(let prefix):
            configuration.port = broker.tlsPort
            configuration.tls = MQTTTLSConfiguration(caFile: broker.caFile, certificateFile: prefix + ".pem",
                                                     privateKeyFile: prefix + ".key", serverHostname: "localhost")
        }
        return configuration
    }

    /// The TOTP code for now (valid devices), or a wrong one that matches no step of the window.
    func totpCode(at unixTime: Int64) -> String? {
        guard case .totp(let totp) = secret else { return nil }
        let step = unixTime / Int64(totp.period)
        let current = totp.code(forStep: step)
        guard credential != .valid else { return current }
        let window = Set((step - 1...step + 1).map { totp.code(forStep: $0) })
        var wrong = current
        repeat {
            let last = wrong.removeLast()
            wrong.append(Character(String(((last.wholeNumberValue ?? 0) + 1) % 10)))
        } while window.contains(wrong)
        return wrong
    }
}
