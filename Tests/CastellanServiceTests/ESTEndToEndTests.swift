import CastellanAuth
import CastellanCA
import CastellanClient
import CastellanFleet
import CastellanStore
import Foundation
import ServerTesting
import SupervisionTesting
import Testing
import X509

/// EST (RFC 7030) against a real `castellan serve`, from a device that runs nothing of ours:
/// `openssl` makes its key and CSR and reads the answers, `curl` speaks HTTPS, and
/// `mosquitto_pub` connects with the result through the broker and the plugin.
@Suite struct ESTEndToEndTests {
    /// A shell on the device's side, in the test's folder.
    struct Device {
        let folder: String
        let caFile: String
        let url: String

        /// Runs `script` with `sh -e`; returns its status and standard output and error.
        func sh(_ script: String) async throws -> (status: Int32, output: String) {
            let folder = folder
            return try await onThreadOfItsOwn {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = ["-ec", script]
                process.currentDirectoryURL = URL(fileURLWithPath: folder)
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                try launch(process)
                let output = readToEnd(pipe.fileHandleForReading)
                process.waitUntilExit()
                return (process.terminationStatus, String(decoding: output, as: UTF8.self))
            }
        }

        /// `openssl req` with a new P-256 key in `NAME.key` and a DER CSR in `NAME.csr` (base64
        /// in `NAME.b64`); `extra` adds options such as `-addext`.
        func makeCSR(_ name: String, subject: String, extra: String = "", key existing: String? = nil) async throws {
            let key = existing.map { "-key \($0)" } ?? "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout \(name).key"
            let made = try await sh("""
                openssl req -new \(key) -subj '\(subject)' \(extra) -outform DER -out \(name).csr
                openssl base64 -in \(name).csr -out \(name).b64
                """)
            #expect(made.status == 0, "openssl req: \(made.output)")
        }

        /// `curl` to `/.well-known/est/PATH` with `options`; the HTTP status, the body in `out`.
        func curl(_ path: String, _ options: String = "", out: String = "answer") async throws -> Int {
            let result = try await sh("curl -sS --max-time 60 --cacert \(caFile) -o \(out) -w '%{http_code}' \(options) \(url)/\(path)")
            return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        /// POSTs `NAME.b64` as a CSR to `operation` with `options` (credentials, a client certificate).
        func post(_ operation: String, csr name: String, _ options: String, out: String = "answer") async throws -> Int {
            try await curl(operation, "-H 'Content-Type: application/pkcs10' --data-binary @\(name).b64 \(options)", out: out)
        }

        /// The certificates of the certs-only PKCS#7 answer in `file`, as PEM in `pem`, with
        /// `openssl pkcs7 -print_certs`; `true` if openssl read it.
        func printCerts(_ file: String, to pem: String) async throws -> Bool {
            let printed = try await sh("openssl base64 -d -in \(file) | openssl pkcs7 -inform DER -print_certs -out \(pem)")
            return printed.status == 0
        }
    }

    @Test func aCurlAndOpenSSLDevice_enrolsRenewsAndConnects_andEveryRefusalIssuesNothing() async throws {
        try await withFixtures { fixtures in
            let setup = try await fixtures.service()
            for name in ["cam1", "cam2", "cam3", "cam4"] { try await setup.addDevice(name, policy: .cert) }
            // cam2's token was made an hour ago to live a minute.
            let past = Fleet(store: setup.store, configuration: setup.configuration, now: { ServiceHarness.now - 3600 })
            let expired = try await past.createEnrolmentToken(for: try DeviceID("cam2"), lifetime: 60)
            // cam3's certificate is revoked, cam4's expired two days ago.
            let revoked = try await setup.issueCertificate("cam3")
            try await setup.store.revokeCertificate(serial: revoked.serial, at: ServiceHarness.now, reason: "keyCompromise")
            try revoked.write(prefix: setup.directory.file("cam3-old"))
            let outdated = try await setup.issueCertificate("cam4", validityDays: 1, now: Date().addingTimeInterval(-3 * 86_400))
            try outdated.write(prefix: setup.directory.file("cam4-old"))

            let (port, stack) = try await serveWithEST(setup, fixtures)
            let config = setup.configuration.file
            let folder = setup.directory.path
            let caFile = setup.configuration.caDirectory + "/ca.pem"
            let device = Device(folder: folder, caFile: caFile, url: "https://127.0.0.1:\(port)/.well-known/est")
            let store = try await StoreOpener.open(
                setup.configuration.store, masterKey: try MasterKey.load(from: setup.configuration.masterKeyFile))
            defer { Task { await store.close() } }
            func certificates(_ name: String) async throws -> [CertificateRecord] { try await store.certificates(device: try DeviceID(name)) }

            // cacerts: the CA, as openssl reads it.
            #expect(try await device.curl("cacerts") == 200)
            #expect(try await device.printCerts("answer", to: "cacerts.pem"))
            let fingerprints = try await device.sh(
                "openssl x509 -in cacerts.pem -noout -fingerprint -sha256; openssl x509 -in \(caFile) -noout -fingerprint -sha256")
            let lines = fingerprints.output.split(separator: "\n")
            #expect(lines.count == 2 && lines[0] == lines[1], "\(fingerprints.output)")

            // csrattrs: nothing required (204).
            #expect(try await device.curl("csrattrs") == 204)

            // A token from the CLI, as an operator makes it.
            let made = try await CLIProcess.run(["device", "enrol-token", "cam1", "--ttl", "1h"], config: config)
            #expect(made.status == 0, "\(made.error)")
            let token = made.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.count == 43)

            // CSRs asking for more than the device's own identity: 400, and the token still works after.
            try await device.makeCSR("other", subject: "/CN=cam2")
            #expect(try await device.post("simpleenroll", csr: "other", "-u cam1:\(token)") == 400)
            try await device.makeCSR("san", subject: "/CN=cam1", extra: "-addext subjectAltName=URI:urn:castellan:device:cam2")
            #expect(try await device.post("simpleenroll", csr: "san", "-u cam1:\(token)") == 400)
            try await device.makeCSR("ca", subject: "/CN=cam1", extra: "-addext basicConstraints=critical,CA:TRUE")
            #expect(try await device.post("simpleenroll", csr: "ca", "-u cam1:\(token)") == 400)
            // Wrong device, unknown device, no credentials: 401.
            try await device.makeCSR("cam3", subject: "/CN=cam3")
            #expect(try await device.post("simpleenroll", csr: "cam3", "-u cam3:\(token)") == 401)
            try await device.makeCSR("nosuch", subject: "/CN=nosuch")
            #expect(try await device.post("simpleenroll", csr: "nosuch", "-u nosuch:\(token)") == 401)
            try await device.makeCSR("cam1", subject: "/CN=cam1")
            #expect(try await device.post("simpleenroll", csr: "cam1", "") == 401)
            #expect(try await certificates("cam1").isEmpty)

            // The enrolment: a certificate openssl verifies against the CA.
            #expect(try await device.post("simpleenroll", csr: "cam1", "-u cam1:\(token)") == 200)
            #expect(try await device.printCerts("answer", to: "cam1.pem"))
            let verified = try await device.sh("openssl verify -CAfile \(caFile) cam1.pem")
            #expect(verified.output.contains("cam1.pem: OK"), "\(verified.output)")
            let enrolled = try await certificates("cam1")
            #expect(enrolled.count == 1)

            // The token is used up; cam2's expired. Nothing more is issued.
            try await device.makeCSR("again", subject: "/CN=cam1")
            #expect(try await device.post("simpleenroll", csr: "again", "-u cam1:\(token)") == 401)
            try await device.makeCSR("cam2", subject: "/CN=cam2")
            #expect(try await device.post("simpleenroll", csr: "cam2", "-u cam2:\(expired.token)") == 401)
            #expect(try await certificates("cam1").count == 1)
            #expect(try await certificates("cam2").isEmpty)

            // The enrolled certificate connects through the broker and the plugin.
            let publish = { (certificate: String, key: String) in
                "timeout 60 mosquitto_pub -h 127.0.0.1 -p \(stack.tlsPort) --cafile \(caFile) --cert \(certificate) --key \(key) -i cam1 -t devices/cam1/hello -m hi -V mqttv5"
            }
            #expect(try await connects(device, publish("cam1.pem", "cam1.key")))

            // Renewal: without a client certificate, with a revoked or an expired one: 403.
            try await device.makeCSR("cam1-new", subject: "/CN=cam1")
            #expect(try await device.post("simplereenroll", csr: "cam1-new", "") == 403)
            try await device.makeCSR("cam3-new", subject: "/CN=cam3")
            #expect(try await device.post("simplereenroll", csr: "cam3-new", "--cert cam3-old.pem --key cam3-old.key") == 403)
            try await device.makeCSR("cam4-new", subject: "/CN=cam4")
            #expect(try await device.post("simplereenroll", csr: "cam4-new", "--cert cam4-old.pem --key cam4-old.key") == 403)
            #expect(try await certificates("cam3").count == 1)
            #expect(try await certificates("cam4").count == 1)
            // The same key again: 400.
            try await device.makeCSR("same", subject: "/CN=cam1", key: "cam1.key")
            #expect(try await device.post("simplereenroll", csr: "same", "--cert cam1.pem --key cam1.key") == 400)
            #expect(try await certificates("cam1").count == 1)

            // A new key: a new certificate; the old one revoked, the new one still connects.
            #expect(try await device.post("simplereenroll", csr: "cam1-new", "--cert cam1.pem --key cam1.key") == 200)
            #expect(try await device.printCerts("answer", to: "cam1-new.pem"))
            #expect(try await device.sh("openssl verify -CAfile \(caFile) cam1-new.pem").output.contains("OK"))
            let issued = try await certificates("cam1")
            #expect(issued.count == 2)
            let oldSerial = try #require(enrolled.first?.serial)
            let revokedOld = try await CLIProcess.run(["cert", "revoke", oldSerial, "--reason", "superseded"], config: config)
            #expect(revokedOld.status == 0, "\(revokedOld.error)")
            #expect(try await connects(device, publish("cam1-new.pem", "cam1-new.key")))
            #expect(try await connects(device, publish("cam1.pem", "cam1.key"), tries: 1) == false)
            // A revoked certificate cannot renew either.
            try await device.makeCSR("cam1-third", subject: "/CN=cam1")
            #expect(try await device.post("simplereenroll", csr: "cam1-third", "--cert cam1.pem --key cam1.key") == 403)
            #expect(try await certificates("cam1").count == 2)

            // The change log names the device as the actor of each issue.
            let changes = try await store.recentChanges(limit: 50).filter { $0.event.kind == "certificate.issued" && $0.actor == "est:cam1" }
            #expect(changes.count == 2)
        }
    }

    /// Gives `setup` an EST listener (with a server certificate of its own), stops the in-process
    /// service and runs `castellan serve` on the folder instead, with a broker in front.
    private func serveWithEST(_ setup: ServiceHarness, _ fixtures: Fixtures, burst: Int? = nil) async throws -> (port: Int, stack: Stack) {
        try setup.ca.issueServer(dns: ["localhost"], ips: ["127.0.0.1"]).write(prefix: setup.directory.file("est"))
        let port = try Broker.freePort()
        let folder = setup.directory.path
        try setup.reconfigure {
            var text = $0 + "\nest:\n  listen: 127.0.0.1:\(port)\n  certificate: \(folder)/est.pem\n  key: \(folder)/est.key\n"
            if let burst {
                text = text.replacingOccurrences(of: "connects_per_second: 100", with: "connects_per_second: 0.001")
                    .replacingOccurrences(of: "burst: 100", with: "burst: \(burst)")
            }
            return text
        }
        try await setup.stop()
        _ = try await fixtures.serve(configuration: setup.configuration.file, marker: "EST on https://")
        return (port, try await fixtures.stack(service: setup, timeoutMilliseconds: 5_000))
    }

    @Test func theSDK_renewsACertificatePastTwoThirds_beforeConnecting_andTheOldOneCanBeRevoked() async throws {
        try await withFixtures { fixtures in
            let setup = try await fixtures.service()
            try await setup.addDevice("cam5", policy: .cert)
            // 20 of its 24 hours are gone: past two thirds.
            let old = try await setup.issueCertificate("cam5", validityDays: 1, now: Date().addingTimeInterval(-20 * 3_600))
            let prefix = setup.directory.file("cam5")
            try old.write(prefix: prefix)
            let (port, stack) = try await serveWithEST(setup, fixtures)
            let caFile = setup.configuration.caDirectory + "/ca.pem"

            var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: stack.tlsPort)
            configuration.clientID = "cam5"
            configuration.tls = MQTTTLSConfiguration(caFile: caFile, certificateFile: prefix + ".pem", privateKeyFile: prefix + ".key")
            configuration.renewal = CertificateRenewal(url: "https://127.0.0.1:\(port)", caFile: caFile)
            // The first connect renews (the plugin may still be reaching the service: later tries find nothing due).
            var client: MQTTClient?
            var renewals: [Result<Certificate?, ESTClientError>] = []
            for _ in 0..<100 where client == nil {
                let attempt = MQTTClient(configuration: configuration)
                let code = await attempt.connectCode()
                if let renewal = await attempt.lastRenewal { renewals.append(renewal) }
                if code == .success { client = attempt }
            }
            let connected = try #require(client)
            let renewed = try #require(try renewals.first?.get(), "the first connect renews: \(renewals)")
            #expect(renewals.dropFirst().allSatisfy { if case .success(nil) = $0 { true } else { false } }, "later connects find nothing due")
            let onDisk = try Certificate(pemEncoded: try String(contentsOfFile: prefix + ".pem", encoding: .utf8))
            #expect(onDisk == renewed && onDisk.serialNumber != old.certificate.serialNumber)
            let mode = try FileManager.default.attributesOfItem(atPath: prefix + ".key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let store = try await StoreOpener.open(
                setup.configuration.store, masterKey: try MasterKey.load(from: setup.configuration.masterKeyFile))
            #expect(try await store.certificates(device: try DeviceID("cam5")).count == 2)
            await store.close()

            // Revoking the old certificate cuts nothing off: the session on the new one goes on
            // (revocations kick within a second, LiveChangeTests; two seconds bound the wait), a new
            // connection with the files is accepted, the old certificate is refused.
            let ended = Task { await connected.waitUntilDisconnected(); return ContinuousClock.now }
            let revoked = try await CLIProcess.run(["cert", "revoke", old.serial, "--reason", "superseded"], config: setup.configuration.file)
            #expect(revoked.status == 0, "\(revoked.error)")
            let returned = ContinuousClock.now
            #expect(returned.duration(to: await LiveChangeTests.first(ended, orAfter: .seconds(2))) >= .seconds(2))
            #expect(await connected.isConnected)
            _ = try await connected.publish(topic: "devices/cam5/hello", payload: Array("hi".utf8), qos: .atLeastOnce)
            await connected.disconnect()
            let again = MQTTClient(configuration: configuration)
            #expect(await again.connectCode() == .success)
            #expect(await again.lastRenewal.map { if case .success(nil) = $0 { true } else { false } } == true)
            await again.disconnect()
            let oldClient = try stack.certificateClient("cam5", certificate: old)
            #expect(await oldClient.connectCode() != .success)
        }
    }

    /// `castellan client enrol|renew` as a device runs them (no `--config`: a device has no store).
    private func client(_ arguments: [String]) async throws -> CLIProcess.Result {
        try await onThreadOfItsOwn {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ServeProcess.executable)
            process.arguments = ["client"] + arguments
            let output = Pipe(), error = Pipe()
            process.standardOutput = output
            process.standardError = error
            try launch(process)
            let out = readToEnd(output.fileHandleForReading), err = readToEnd(error.fileHandleForReading)
            process.waitUntilExit()
            return CLIProcess.Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                                     error: String(decoding: err, as: UTF8.self))
        }
    }

    @Test func theCLIClient_enrolsAndRenews_andAttemptsAreRateLimited() async throws {
        try await withFixtures { fixtures in
            let setup = try await fixtures.service()
            try await setup.addDevice("cam6", policy: .cert)
            // Five EST attempts, then (almost) no more: what the connect rate limit does per address.
            let (port, _) = try await serveWithEST(setup, fixtures, burst: 5)
            let caFile = setup.configuration.caDirectory + "/ca.pem"
            let url = "https://127.0.0.1:\(port)"
            let prefix = setup.directory.file("cam6")
            let token = try await CLIProcess.run(["device", "enrol-token", "cam6"], config: setup.configuration.file)
                .output.trimmingCharacters(in: .whitespacesAndNewlines)

            // Without --ca the server must chain to a CA the system trusts, which Castellan's own does
            // not: the token is never sent (no HTTP request, so no attempt counted), nothing written.
            let unverified = try await client(["enrol", "--url", url, "--device", "cam6", "--token", token, "--out", prefix])
            #expect(unverified.status == 2, "\(unverified.output) \(unverified.error)")
            #expect(!FileManager.default.fileExists(atPath: prefix + ".pem") && !FileManager.default.fileExists(atPath: prefix + ".key"))

            let enrol = ["enrol", "--url", url, "--ca", caFile, "--device", "cam6", "--token", token, "--out", prefix]
            let enrolled = try await client(enrol)  // attempt 1
            #expect(enrolled.status == 0, "\(enrolled.error)")
            let device = Device(folder: setup.directory.path, caFile: caFile, url: url + "/.well-known/est")
            #expect(try await device.sh("openssl verify -CAfile \(prefix).ca.pem \(prefix).pem").output.contains("OK"))
            let keyMode = try FileManager.default.attributesOfItem(atPath: prefix + ".key")[.posixPermissions] as? Int
            #expect(keyMode == 0o600)
            // The token is used: refused by the server (exit 1), and the files are left as they are.
            let before = try String(contentsOfFile: prefix + ".pem", encoding: .utf8)
            let reused = try await client(enrol.dropLast() + [prefix + "-again"])  // attempt 2
            #expect(reused.status == 1 && reused.error.contains("401"), "\(reused.error)")
            #expect(!FileManager.default.fileExists(atPath: prefix + "-again.pem"))

            // No --ca: renew trusts PREFIX.ca.pem, the CA the enrolment fetched.
            let renew = ["renew", "--url", url, "--cert", prefix + ".pem", "--key", prefix + ".key"]
            let notDue = try await client(renew + ["--if-due"])  // no request
            #expect(notDue.status == 0 && notDue.output.contains("not due"), "\(notDue.error)")
            let renewed = try await client(renew)  // attempt 3
            #expect(renewed.status == 0, "\(renewed.error)")
            #expect(try String(contentsOfFile: prefix + ".pem", encoding: .utf8) != before)
            #expect(try await device.sh("openssl verify -CAfile \(caFile) \(prefix).pem").output.contains("OK"))
            let store = try await StoreOpener.open(
                setup.configuration.store, masterKey: try MasterKey.load(from: setup.configuration.masterKeyFile))
            #expect(try await store.certificates(device: try DeviceID("cam6")).count == 2)
            await store.close()

            // Attempts 4 and 5 pass the limit (and are refused for what they are); the 6th is throttled.
            try await device.makeCSR("cam6-x", subject: "/CN=cam6")
            #expect(try await device.post("simpleenroll", csr: "cam6-x", "-u cam6:\(token)") == 401)
            #expect(try await device.post("simplereenroll", csr: "cam6-x", "") == 403)
            #expect(try await device.post("simpleenroll", csr: "cam6-x", "-u cam6:\(token) -D headers") == 429)
            #expect(try await device.sh("cat headers").output.lowercased().contains("retry-after: 1"))
            #expect(try await device.curl("cacerts") == 200, "cacerts is public and not limited")

            // Every answer is counted, by operation and status, in the admin API's /metrics (cacerts:
            // both `client enrol` runs fetch it first, then the curl above).
            let metrics = try await device.sh(
                "curl -sS --max-time 60 --unix-socket \(setup.directory.path)/admin.sock -H \"Authorization: Bearer $(cat \(setup.configuration.adminTokenFile))\" http://castellan/metrics")
            let lines = metrics.output.split(separator: "\n").filter { $0.hasPrefix("castellan_est_requests_total{") }
            for (operation, status, count) in [("simpleenroll", "200", 1), ("simpleenroll", "401", 2), ("simpleenroll", "429", 1),
                                               ("simplereenroll", "200", 1), ("simplereenroll", "403", 1), ("cacerts", "200", 3)] {
                #expect(lines.contains { $0.contains("operation=\"\(operation)\"") && $0.contains("status=\"\(status)\"") && $0.hasSuffix(" \(count)") },
                        "\(operation) \(status): \(lines)")
            }
        }
    }

    /// Whether `command` (a `mosquitto_pub`) succeeds within `tries`: the plugin reaches a freshly
    /// started service from its first TICK, so the first connects may be refused.
    private func connects(_ device: Device, _ command: String, tries: Int = 50) async throws -> Bool {
        for _ in 0..<tries where try await device.sh(command).status == 0 { return true }
        return false
    }
}
