import CastellanAuth
import CastellanClient
import Foundation
import Testing

/// `castellan import` end to end: files written by the real tools, imported by the CLI, served
/// by `castellan serve` behind mosquitto with the plugin; devices log in with the passwords
/// they already had, and their credential is upgraded at the first login.
@Suite(.serialized) struct ImportEndToEndTests {
    /// A folder with a `probe` device (its own password), `castellan serve` on it and a broker in front.
    /// `prepare` runs before serve starts (the import).
    private func serving(
        _ fixtures: Fixtures, prepare: (ServiceHarness) async throws -> Void
    ) async throws -> (setup: ServiceHarness, stack: Stack) {
        let setup = try await fixtures.service()
        _ = try await setup.addDevice("probe", policy: .password)
        try await setup.setPassword("probe-password", for: "probe")
        try await setup.stop()
        try await prepare(setup)
        _ = try await fixtures.serve(configuration: setup.configuration.file)
        let stack = try await fixtures.stack(service: setup, timeoutMilliseconds: 5_000)
        // The plugin reaches a freshly started service from its first TICK: wait for a real admission.
        var ready = false
        for _ in 0..<100 where !ready {
            ready = await stack.client("probe", username: "probe", password: "probe-password").connectCode() == .success
        }
        try #require(ready, "the probe device never got in")
        return (setup, stack)
    }

    @Test(arguments: [MosquittoTools.debian, MosquittoTools.build21])
    func mosquittoPasswdFile_devicesLogInWithTheirOldPassword_thenHoldSCRAMKeys(_ tools: String) async throws {
        guard MosquittoTools.available("mosquitto_passwd", in: tools) else {
            print("skipping: no mosquitto_passwd in \(tools) (make mosquitto-2.1 builds the 2.1 tools)")
            return
        }
        try await withFixtures { fixtures in
            let (setup, stack) = try await serving(fixtures) { setup in
                let file = setup.directory.file("passwd")
                let made = try await MosquittoTools.run("mosquitto_passwd", in: tools, ["-c", "-b", file, "dev1", "old password 1"])
                try #require(made.status == 0, "\(made.error)")
                _ = try await MosquittoTools.run("mosquitto_passwd", in: tools, ["-b", file, "dev2", "other-secret"])
                let hashes = try String(contentsOfFile: file, encoding: .utf8)
                #expect(hashes.contains(tools == MosquittoTools.debian ? "dev1:$7$101$" : "dev1:$7$1000$"))

                let dry = try await CLIProcess.run(["import", "mosquitto-passwd", file, "--dry-run"], config: setup.configuration.file)
                #expect(dry.status == 0, "\(dry.error)")
                #expect(dry.output.contains("device dev1: password mosquitto-pbkdf2-sha512"))
                #expect(dry.output.contains("dry run: nothing written"))
                let listedBefore = try await CLIProcess.run(["device", "list"], config: setup.configuration.file)
                #expect(!listedBefore.output.contains("dev1"), "a dry run writes nothing")

                let imported = try await CLIProcess.run(["import", "mosquitto-passwd", file], config: setup.configuration.file)
                #expect(imported.status == 0, "\(imported.error)")
                #expect(imported.output.contains("imported: 2 devices added"))
                let again = try await CLIProcess.run(["import", "mosquitto-passwd", file], config: setup.configuration.file)
                #expect(again.output.contains("imported: 0 devices added, 2 already present"))
                let listed = try await CLIProcess.run(["device", "list"], config: setup.configuration.file)
                #expect(listed.output.contains("dev1\tyes\tpassword\t-\tlegacy:mosquitto-pbkdf2-sha512"))
            }
            let config = setup.configuration.file

            let wrong = try await MosquittoTools.publish(port: stack.plainPort, user: "dev1", password: "old password 2")
            #expect(wrong.status != 0, "a wrong password is refused")
            let first = try await MosquittoTools.publish(port: stack.plainPort, user: "dev1", password: "old password 1")
            #expect(first.status == 0, "the old password is accepted: \(first.error)")

            let shown = try await CLIProcess.run(["device", "show", "dev1"], config: config)
            #expect(shown.output.contains("legacy credential: none"))
            #expect(shown.output.contains("scram: SCRAM-SHA-256, 4096 iterations"))
            let listed = try await CLIProcess.run(["device", "list"], config: config)
            #expect(listed.output.contains("dev1\tyes\tpassword\t-\t-"))
            #expect(listed.output.contains("dev2\tyes\tpassword\t-\tlegacy:mosquitto-pbkdf2-sha512"), "dev2 has not logged in yet")
            let changes = try await CLIProcess.run(["audit", "tail", "--changes", "--json"], config: config)
            #expect(changes.output.contains("\"kind\":\"credential.upgraded\""))
            #expect(changes.output.contains("\"actor\":\"system:credential-upgrade\""))

            let second = try await MosquittoTools.publish(port: stack.plainPort, user: "dev1", password: "old password 1")
            #expect(second.status == 0, "the upgraded credential takes the same password: \(second.error)")
            let wrongAfter = try await MosquittoTools.publish(port: stack.plainPort, user: "dev1", password: "old password 2")
            #expect(wrongAfter.status != 0)

            let policy = try await CLIProcess.run(["device", "policy", "dev1", "scram"], config: config)
            #expect(policy.status == 0, "\(policy.error)")
            let scram = stack.client("dev1", authentication: .scram(.sha256, username: "dev1", password: "old password 1"))
            #expect(await scram.connectCode() == .success, "SCRAM with the password the device always had")
            let scramWrong = stack.client("dev1", authentication: .scram(.sha256, username: "dev1", password: "old password 2"))
            #expect(await scramWrong.connectCode() != .success)
        }
    }

    @Test func goAuthFiles_devicesLogInWithTheirPasswords_andTheirRulesHold() async throws {
        // `hunter2`, as go-auth's files backend stores it (PBKDF2-SHA512, base64 salt; made with
        // Python's hashlib), and its ACL file format (backends/files).
        let hash = "PBKDF2$sha512$100000$MDEyMzQ1Njc4OWFiY2RlZg==$mMvH/7B+tH1pQnyhfyam5xbAZmhPAige6CxnmR7aFwAiXPoAfNwitP//tJsXWBRNEugGcMdGcQtiYIKxnSUaPg=="
        try await withFixtures { fixtures in
            let (_, stack) = try await serving(fixtures) { setup in
                let passwords = setup.directory.file("go-auth-passwords"), acls = setup.directory.file("go-auth-acls")
                try "# go-auth users\ngw1:\(hash)\ngw2:\(hash)\n".write(toFile: passwords, atomically: true, encoding: .utf8)
                try """
                    topic read public/#
                    user gw1
                    topic write plant/line1/#
                    topic deny plant/line1/safety
                    pattern readwrite gateways/%u/state
                    """.write(toFile: acls, atomically: true, encoding: .utf8)
                let imported = try await CLIProcess.run(["import", "go-auth", "--passwords", passwords, "--acls", acls],
                                                        config: setup.configuration.file)
                #expect(imported.status == 0, "\(imported.error)")
                #expect(imported.output.contains("imported: 2 devices added"))
            }
            let wrong = stack.client("gw1", username: "gw1", password: "hunter3")
            #expect(await wrong.connectCode() != .success)
            let gw1 = stack.client("gw1", username: "gw1", password: "hunter2")
            try #require(await gw1.connectCode() == .success)
            func allowed(_ topic: String, by client: MQTTClient) async throws -> Bool {
                try await client.publish(topic: topic, payload: Array("x".utf8), qos: .atLeastOnce) != .notAuthorized
            }
            #expect(try await allowed("plant/line1/temp", by: gw1))
            #expect(try await !allowed("plant/line1/safety", by: gw1), "go-auth's deny, and Castellan's")
            #expect(try await !allowed("plant/line2/temp", by: gw1))
            #expect(try await allowed("gateways/gw1/state", by: gw1))
            #expect(try await !allowed("gateways/gw2/state", by: gw1))
            #expect(try await gw1.subscribe(to: "public/news", qos: .atLeastOnce).rawValue < 0x80)
            await gw1.disconnect()
            let gw2 = stack.client("gw2", username: "gw2", password: "hunter2")
            try #require(await gw2.connectCode() == .success)
            #expect(try await !allowed("plant/line1/temp", by: gw2))
            #expect(try await allowed("gateways/gw2/state", by: gw2))
            await gw2.disconnect()
        }
    }

    @Test func badInput_isRefusedNamingFileAndLine_andNothingIsImported() async throws {
        try await withFixtures { fixtures in
            let setup = try await fixtures.service()
            try await setup.stop()
            let file = setup.directory.file("passwd")
            let good = "$7$101$/F15SIdQWWDI9Oc5$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g=="
            let cases = [
                ("dev1:\(good)\ndev2:\(good.dropLast(12))\n", "passwd:2: user 'dev2': malformed password hash"),
                ("dev1:\(good)\ndev2:$5$abc$def\n", "passwd:2: user 'dev2': unsupported password hash: unknown scheme $5$"),
            ]
            for (text, message) in cases {
                try text.write(toFile: file, atomically: true, encoding: .utf8)
                let result = try await CLIProcess.run(["import", "mosquitto-passwd", file], config: setup.configuration.file)
                #expect(result.status == 1)
                #expect(result.error.contains(message), "\(result.error)")
                #expect(result.error.contains("nothing imported"))
            }
            let json = setup.directory.file("dynsec.json")
            try "{\"devices\": []}".write(toFile: json, atomically: true, encoding: .utf8)
            let notDynsec = try await CLIProcess.run(["import", "dynsec", json], config: setup.configuration.file)
            #expect(notDynsec.status == 1)
            #expect(notDynsec.error.contains("dynsec.json: not a dynamic-security configuration: no \"clients\" array"))
            let listed = try await CLIProcess.run(["device", "list"], config: setup.configuration.file)
            #expect(listed.output == "ID\tENABLED\tPOLICY\tGROUPS\tCREDENTIAL\n", "nothing was imported")
        }
    }
}
