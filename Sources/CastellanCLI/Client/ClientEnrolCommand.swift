import ArgumentParser
import CastellanClient
import Crypto
import Foundation
import X509

/// `castellan client enrol --url URL [--ca CA] --device ID --token T --out PREFIX`: a device fetches
/// its first certificate over EST with a one-time token.
struct ClientEnrolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol",
        abstract: "Enrol over EST: make a key and CSR, fetch the CA (PREFIX.ca.pem) and the certificate (PREFIX.pem, PREFIX.key 0600).",
        discussion: """
            The token comes from `castellan device enrol-token ID`. The token is sent to the EST server only \
            once its certificate verified (chain and name): against --ca, the CA it must chain to (Castellan's \
            own CA, for a server on the broker certificate), or else against the system's trusted CAs. \
            Exit status: 0 enrolled, 1 refused by the server (HTTP status printed), 2 error.
            """)

    @Option(help: "The EST server, https://HOST:PORT.") var url: String
    @Option(help: "PEM file of the CA the EST server's certificate chains to (default: the system's trusted CAs).") var ca: String?
    @Option(help: "The device id.") var device: String
    // Unconditional: the next argument is the token even when it starts with `-` (a token made
    // before tokens stopped doing so).
    @Option(parsing: .unconditional, help: "The one-time enrolment token.") var token: String
    @Option(help: "Where to write PREFIX.pem, PREFIX.key and PREFIX.ca.pem (none may exist).") var out: String

    func run() async throws {
        let files = (certificate: out + ".pem", key: out + ".key", ca: out + ".ca.pem")
        for path in [files.certificate, files.key, files.ca] where FileManager.default.fileExists(atPath: path) {
            throw ClientESTOutput.fail(ESTClientError("\(path) exists: refusing to overwrite it"))
        }
        do {
            let client = try ESTClient(url: url, tls: MQTTTLSConfiguration(caFile: ca))
            let authorities = try await client.caCertificates()
            let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let csr = try CertificateRenewal.csr(subject: try DistinguishedName { CommonName(device) }, key: key)
            let issued = try await client.enrol(csr: csr, device: device, token: token)
            try CertificateRenewal.install(key: key, certificate: issued, certificateFile: files.certificate, keyFile: files.key)
            let pem = try authorities.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
            try pem.write(toFile: files.ca, atomically: true, encoding: .utf8)
            print("enrolled \(device): \(files.certificate) (serial \(issued.serialNumber), until \(issued.notValidAfter)), \(files.key), \(files.ca)")
        } catch {
            throw ClientESTOutput.fail(error)
        }
    }
}
