import ArgumentParser
import CastellanClient

/// `castellan client renew --url URL [--ca CA] --cert PREFIX.pem --key PREFIX.key [--if-due]`.
struct ClientRenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew over EST with the current certificate: a new key, and both files replaced atomically.",
        discussion: "Exit status: 0 renewed (or not due with --if-due), 1 refused by the server (HTTP status printed), 2 error.")

    @Option(help: "The EST server, https://HOST:PORT.") var url: String
    @Option(help: "PEM file of the CA the EST server's certificate chains to (default: PREFIX.ca.pem, which `client enrol` wrote beside the certificate).")
    var ca: String?
    @Option(help: "The current certificate (replaced by the new one).") var cert: String
    @Option(help: "The current key (replaced by the new one, mode 0600).") var key: String
    @Flag(name: .customLong("if-due"), help: "Renew only once two thirds of the certificate's lifetime have passed.")
    var ifDue = false

    func run() async throws {
        let renewal = CertificateRenewal(url: url, caFile: ca ?? Self.caBeside(cert))
        do {
            let issued = ifDue
                ? try await renewal.renewIfDue(certificateFile: cert, keyFile: key)
                : try await renewal.renew(certificateFile: cert, keyFile: key)
            guard let issued else {
                print("not due: \(cert) has not passed two thirds of its lifetime")
                return
            }
            print("renewed: \(cert) (serial \(issued.serialNumber), until \(issued.notValidAfter)), \(key)")
        } catch {
            throw ClientESTOutput.fail(error)
        }
    }

    /// `PREFIX.ca.pem` for `PREFIX.pem`: where `client enrol` put the CA it fetched.
    static func caBeside(_ certificate: String) -> String {
        (certificate.hasSuffix(".pem") ? String(certificate.dropLast(4)) : certificate) + ".ca.pem"
    }
}
