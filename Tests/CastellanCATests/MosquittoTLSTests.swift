import CastellanAuth
import CastellanCA
import Foundation
import Testing
import X509

/// The CA's certificates against a real mosquitto (no plugin): the TLS handshake itself
/// accepts our device certificates and refuses another CA's.
@Suite struct MosquittoTLSTests {
    @Test func mosquittoWithRequireCertificate_acceptsAnIssuedDeviceCertificate_andRefusesAnotherCAs() async throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: try DistinguishedName(parsing: "CN=Device CA"))
        try ca.issueServer(dns: ["localhost"], ips: ["127.0.0.1"]).write(prefix: scratch.file("server"))
        try ca.issueDevice(try DeviceID("dev1")).write(prefix: scratch.file("dev1"))
        try FileManager.default.createDirectory(atPath: scratch.file("other"), withIntermediateDirectories: false)
        let other = try CertificateAuthority.create(in: scratch.file("other"), subject: try DistinguishedName(parsing: "CN=Device CA"))
        try other.issueDevice(try DeviceID("dev1")).write(prefix: scratch.file("intruder"))

        let broker = try await Mosquitto(in: scratch, settings: """
            allow_anonymous true
            cafile \(scratch.file("ca.pem"))
            certfile \(scratch.file("server.pem"))
            keyfile \(scratch.file("server.key"))
            require_certificate true
            use_identity_as_username true
            set_tcp_nodelay true
            """)
        func publish(as prefix: String) throws -> Int32 {
            try run("/usr/bin/mosquitto_pub", [
                "-h", "127.0.0.1", "-p", String(broker.port), "--cafile", scratch.file("ca.pem"),
                "--cert", scratch.file(prefix + ".pem"), "--key", scratch.file(prefix + ".key"),
                "-t", "devices/dev1/hello", "-m", "hi", "-i", "dev1",
            ]).status
        }
        let accepted = try publish(as: "dev1"), refused = try publish(as: "intruder")
        withExtendedLifetime(broker) {}
        #expect(accepted == 0)
        #expect(refused != 0)
    }
}
