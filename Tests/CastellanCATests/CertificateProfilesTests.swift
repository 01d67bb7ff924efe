@testable import CastellanCA
import Foundation
import Testing

@Suite struct CertificateProfilesTests {
    let repositoryProfiles = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("certs/profiles.yaml").path

    @Test func shippedProfiles_andTheDefaultFileCaInitWrites_parseToTheDefaults() throws {
        let shipped = try CertificateProfiles.parse(try String(contentsOfFile: repositoryProfiles, encoding: .utf8), file: "p")
        #expect(shipped == CertificateProfiles())
        #expect(try CertificateProfiles.parse(CertificateProfiles.defaultText, file: "p") == CertificateProfiles())
    }

    @Test func profiles_chooseKeyTypeAndValidity_andRefuseAnythingElse() throws {
        let custom = try CertificateProfiles.parse("device: {key: ecdsa-p384, validity_days: 30}\n", file: "p")
        #expect(custom.device.keyType == .ecdsaP384 && custom.device.validityDays == 30)
        for bad in ["device: {key: rsa}", "device: {validity_days: 0}", "device: {extensions: [ca]}", "client: {}", "- x"] {
            #expect(throws: CAError.self) { try CertificateProfiles.parse(bad, file: "p") }
        }
    }

    @Test func caInit_writesProfiles_andIssuedCertificatesFollowThem() throws {
        let scratch = try Scratch()
        let ca = try CertificateAuthority.create(in: scratch.path, subject: try .init(parsing: "CN=CA"))
        #expect(FileManager.default.fileExists(atPath: scratch.file("profiles.yaml")))
        let issued = try ca.issueDevice(try .init("d1"), keyType: .ecdsaP384, validityDays: 30)
        let days = issued.certificate.notValidAfter.timeIntervalSince(issued.certificate.notValidBefore) / 86400
        #expect(days > 29.9 && days < 30.1)
        #expect(try run("/usr/bin/openssl", ["version"]).status == 0)
    }
}
