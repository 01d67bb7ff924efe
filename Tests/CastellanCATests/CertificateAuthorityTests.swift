import CastellanAuth
import CastellanCA
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@Suite struct CertificateAuthorityTests {
    let subject = try! DistinguishedName(parsing: "CN=Castellan Test CA,O=Castellan")

    @Test func caInit_writesTheCertificate_andAKeyOnlyItsOwnerCanRead_andNeverOverwrites() throws {
        let scratch = try Scratch()
        _ = try CertificateAuthority.create(in: scratch.path, subject: subject)
        #expect(try scratch.mode("ca.key") == 0o600)
        #expect(try scratch.mode("ca.pem") == 0o644)
        let key = try String(contentsOfFile: scratch.file("ca.key"), encoding: .utf8)
        #expect(throws: CAError.exists(scratch.file("ca.pem"))) {
            try CertificateAuthority.create(in: scratch.path, subject: subject)
        }
        #expect(try String(contentsOfFile: scratch.file("ca.key"), encoding: .utf8) == key, "untouched")
        let loaded = try CertificateAuthority.load(from: scratch.path)
        #expect(loaded.certificate.subject == subject)
    }

    @Test(arguments: CertificateAuthority.KeyType.allCases)
    func issuedDeviceCertificates_passOpenSSLClientPurpose_andOurOwnVerifier(keyType: CertificateAuthority.KeyType) async throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: subject, keyType: keyType)
        let issued = try ca.issueDevice(try DeviceID("sensor-7"))
        try issued.write(prefix: scratch.file("device"))
        #expect(try scratch.mode("device.key") == 0o600)
        let verify = try run("/usr/bin/openssl", ["verify", "-CAfile", scratch.file("ca.pem"), "-purpose", "sslclient", scratch.file("device.pem")])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(issued.certificate.serialNumber.bytes.count == 16)

        var serializer = DER.Serializer()
        try serializer.serialize(issued.certificate)
        let verifier = DeviceCertificateVerifier(
            configuration: DeviceCertificateConfiguration(trustRoots: [ca.certificate]),
            revocation: RevocationCheck { _, _ in false })
        let decision = try await verifier.verify(derEncoded: serializer.serializedBytes, at: Date())
        #expect(decision.identity?.deviceID == (try DeviceID("sensor-7")))
    }

    @Test func serverCertificate_passesOpenSSLServerPurpose_withTheGivenNames() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: subject)
        try ca.issueServer(dns: ["localhost", "broker.example"], ips: ["127.0.0.1", "::1"]).write(prefix: scratch.file("server"))
        let verify = try run("/usr/bin/openssl", ["verify", "-CAfile", scratch.file("ca.pem"), "-purpose", "sslserver", scratch.file("server.pem")])
        #expect(verify.status == 0, "\(verify.output)")
        let text = try run("/usr/bin/openssl", ["x509", "-in", scratch.file("server.pem"), "-noout", "-ext", "subjectAltName"]).output
        #expect(text.contains("DNS:localhost") && text.contains("DNS:broker.example") && text.contains("IP Address:127.0.0.1"))
        #expect(throws: CAError.self) { try ca.issueServer(dns: ["bad name"]) }
        #expect(throws: CAError.self) { try ca.issueServer(dns: [], ips: ["300.1.1.1"]) }
    }

    @Test func revocationList_isSignedByTheCA_andListsTheRevokedSerials() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: subject)
        let one = try ca.issueDevice(try DeviceID("a")), two = try ca.issueDevice(try DeviceID("b"))
        let crl = try ca.revocationList([
            RevokedCertificate(serial: one.certificate.serialNumber.bytes.map { $0 }, revokedAt: Date(), reason: .keyCompromise),
            RevokedCertificate(serial: two.certificate.serialNumber.bytes.map { $0 }, revokedAt: Date()),
        ], number: 7)
        try crl.write(toFile: scratch.file("crl.pem"), atomically: true, encoding: .utf8)
        let checked = try run("/usr/bin/openssl", ["crl", "-in", scratch.file("crl.pem"), "-CAfile", scratch.file("ca.pem"), "-noout", "-text"])
        #expect(checked.status == 0, "\(checked.output)")
        #expect(checked.output.contains("verify OK") || !checked.output.contains("verify failure"))
        #expect(checked.output.uppercased().contains(one.serial.uppercased()))
        #expect(checked.output.uppercased().contains(two.serial.uppercased()))
        #expect(checked.output.contains("Key Compromise"))
        #expect(checked.output.contains("X509v3 CRL Number") && checked.output.contains("7"))
        try one.certificate.serializeAsPEM().pemString.write(toFile: scratch.file("device.pem"), atomically: true, encoding: .utf8)
        let refused = try run("/usr/bin/openssl", ["verify", "-crl_check", "-CAfile", scratch.file("ca.pem"),
                                                   "-CRLfile", scratch.file("crl.pem"), scratch.file("device.pem")])
        #expect(refused.status != 0 && refused.output.contains("revoked"), "\(refused.output)")
    }

    @Test func badSubjects_areRefused() {
        for text in ["", "CN", "XX=nope", "CN=", "C=Germany", "CN=a=b", "CN=a+O=b", "CN=a\\,O=b", "CN=a;O=b", "CN=\"a\"", "CN=a\u{0}"] {
            #expect(throws: CAError.self) { try DistinguishedName(parsing: text) }
        }
    }

    @Test func subject_isStructured_andPrintsBackAsTyped() throws {
        let name = try DistinguishedName(parsing: "CN=Castellan CA,OU=Ops,O=Example,C=DE")
        #expect(String(describing: name) == "CN=Castellan CA,OU=Ops,O=Example,C=DE")
        // DER runs from the root down, as openssl prints it.
        #expect(name.map { $0.first?.type } == [.RDNAttributeType.countryName, .RDNAttributeType.organizationName,
                                                .RDNAttributeType.organizationalUnitName, .RDNAttributeType.commonName])
        #expect(name.last?.first.flatMap { String($0.value) } == "Castellan CA")
    }

    @Test(arguments: ["h-dn", "pump_7", "site:line.3"])
    func deviceCertificateSubject_isOneCommonName_holdingTheId(_ id: String) throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: subject)
        let issued = try ca.issueDevice(try DeviceID(id))
        #expect(issued.certificate.subject.count == 1)
        let attributes = issued.certificate.subject.flatMap { $0 }
        #expect(attributes.map(\.type) == [.RDNAttributeType.commonName])
        #expect(attributes.first.flatMap { String($0.value) } == id)
        // An id that could smuggle an attribute into a text-built name never becomes a DeviceID.
        #expect(throws: IdentityError.forbiddenCharacter) { try DeviceID("h-dn,O=Evil") }
    }
}
