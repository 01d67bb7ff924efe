import CastellanAuth
import CastellanStore
import Foundation
import SupervisionTesting
import Testing

/// `castellan ca init` and `castellan cert …` through the real parser, against a real store.
@Suite struct CLICertificateTests {
    @Test func caInit_issue_list_revoke_andCRL_workTogether() async throws {
        let fixture = try await CLIFixture()
        #expect(await fixture.run(["device", "add", "cam1", "--policy", "cert"]).status == 0)
        let created = await fixture.run(["ca", "init", "--subject", "CN=Test Device CA,O=Castellan"])
        #expect(created.status == 0, "\(created.error)")
        #expect(await fixture.run(["ca", "init"]).status == 1, "never overwrites the CA")

        let issued = await fixture.run(["cert", "issue", "cam1", "--out", "cam1"])
        #expect(issued.status == 0, "\(issued.error)")
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.directory.file("cam1.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(await fixture.run(["cert", "issue", "cam1", "--out", "cam1"]).status == 1, "refuses to overwrite")

        let listed = await fixture.run(["cert", "list", "--device", "cam1", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["revokedAt"] == nil)
        let serial = try #require(rows.first?["serial"] as? String)

        #expect(await fixture.run(["cert", "revoke", serial, "--reason", "keyCompromise"]).status == 0)
        let store = try fixture.openStore()
        #expect(try await store.certificate(serial: serial)?.revocationReason == "keyCompromise")
        #expect(await fixture.run(["cert", "crl", "--out", "crl.pem"]).status == 0)
        let crl = try String(contentsOfFile: fixture.directory.file("crl.pem"), encoding: .utf8)
        #expect(crl.hasPrefix("-----BEGIN X509 CRL-----"))
    }

    @Test func theCRL_stillListsTheCertificatesOfARemovedDevice() async throws {
        let fixture = try await CLIFixture()
        #expect(await fixture.run(["ca", "init"]).status == 0)
        #expect(await fixture.run(["device", "add", "cam2", "--policy", "cert"]).status == 0)
        #expect(await fixture.run(["cert", "issue", "cam2", "--out", "cam2"]).status == 0)
        let serial = try #require(try await fixture.openStore().certificates(device: DeviceID("cam2")).first?.serial)
        #expect(await fixture.run(["device", "remove", "cam2"]).status == 0)
        #expect(await fixture.run(["cert", "crl", "--out", "crl.pem"]).status == 0)

        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["crl", "-in", fixture.directory.file("crl.pem"), "-noout", "-text"]
        let pipe = Pipe()
        openssl.standardOutput = pipe
        try launch(openssl)
        let text = String(decoding: readToEnd(pipe.fileHandleForReading), as: UTF8.self)
        openssl.waitUntilExit()
        #expect(text.uppercased().contains("SERIAL NUMBER: \(serial.uppercased())"), "\(text)")
        #expect(text.contains("Cessation Of Operation"))
    }

    @Test func issueForAnUnknownDevice_orWithoutACA_isRefused_andWritesNothing() async throws {
        let fixture = try await CLIFixture()
        #expect(await fixture.run(["device", "add", "cam1", "--policy", "cert"]).status == 0)
        let noCA = await fixture.run(["cert", "issue", "cam1", "--out", "cam1"])
        #expect(noCA.status == 1)
        #expect(await fixture.run(["ca", "init"]).status == 0)
        let unknown = await fixture.run(["cert", "issue", "ghost", "--out", "ghost"])
        #expect(unknown.status == 1 && unknown.error.contains("no device ghost"))
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.file("ghost.pem")))
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.file("cam1.pem")))
        #expect(try await fixture.openStore().certificates(device: try DeviceID("cam1")).isEmpty)
        #expect(await fixture.run(["cert", "revoke"]).status == 2, "a serial or --device is required")
        #expect(await fixture.run(["ca", "init", "--key", "rsa"]).status == 2)
    }

    @Test func serverCertificate_isWritten_andRecordedForMosquittoConf() async throws {
        let fixture = try await CLIFixture()
        #expect(await fixture.run(["ca", "init"]).status == 0)
        let made = await fixture.run(["cert", "server", "--dns", "localhost", "--ip", "127.0.0.1", "--out", "broker"])
        #expect(made.status == 0, "\(made.error)")
        #expect(FileManager.default.fileExists(atPath: fixture.directory.file("broker.pem")))
        let recorded = try String(contentsOfFile: fixture.setup + "/certs/broker-certificate", encoding: .utf8)
        #expect(recorded.trimmingCharacters(in: .newlines) == fixture.directory.file("broker"))
    }
}

@Suite struct CLIEntropyTests {
    @Test func configuredExtraEntropySource_isUsed_andAShortOneIsAnError_notAFallback() async throws {
        let fixture = try await CLIFixture()
        let yaml = try String(contentsOfFile: fixture.config, encoding: .utf8)
        try (yaml + "entropy:\n  extra: qrng.bin\n").write(toFile: fixture.config, atomically: true, encoding: .utf8)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: fixture.setup + "/qrng.bin"))
        let refused = await fixture.run(["ca", "init"])
        #expect(refused.status == 1 && refused.error.contains("qrng.bin"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: fixture.setup + "/certs/ca.pem"))
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: fixture.setup + "/qrng.bin"))
        #expect(await fixture.run(["ca", "init"]).status == 0)
    }
}
