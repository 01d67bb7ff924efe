import ServerTesting
import CastellanAuth
import CastellanClient
import Testing

/// The client's AUTH flow over a real socket, against an MQTT server running CastellanAuth's SCRAMServer.
@Suite("MQTT client enhanced authentication")
struct MQTTClientEnhancedAuthTests {
    private static func account(_ mechanism: SCRAMMechanism) throws -> SCRAMAccount {
        SCRAMAccount(credential: try SCRAMCredential.generate(password: "pencil", mechanism: mechanism, entropy: SystemEntropy()))
    }

    private func configuration(_ broker: SCRAMTestBroker, _ mechanism: SCRAMMechanism = .sha256,
                               password: String = "pencil") -> MQTTClientConfiguration {
        var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
        configuration.timeout = .seconds(5)
        configuration.authentication = .scram(mechanism, username: "user", password: password)
        return configuration
    }

    @Test("SCRAM connects, verifies the server, and re-authenticates on the live connection",
          arguments: [SCRAMMechanism.sha256, .sha512])
    func scram_connectsAndReauthenticates(mechanism: SCRAMMechanism) async throws {
        let broker = try await SCRAMTestBroker.start(account: try Self.account(mechanism))
        let client = MQTTClient(configuration: configuration(broker, mechanism))
        _ = try await client.connect()
        try await client.reauthenticate()
        #expect(await client.isConnected)
        await client.disconnect()
        await broker.stop()
    }

    @Test("a server with a wrong signature fails the connect: mutual authentication")
    func wrongServerSignature_failsTheConnect() async throws {
        let broker = try await SCRAMTestBroker.start(account: try Self.account(.sha256), behaviour: .wrongSignature)
        let client = MQTTClient(configuration: configuration(broker))
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code == .authenticationFailed)
        #expect(await !client.isConnected)
        await broker.stop()
    }

    @Test("a server that omits its signature fails the connect")
    func missingServerSignature_failsTheConnect() async throws {
        let broker = try await SCRAMTestBroker.start(account: try Self.account(.sha256), behaviour: .omitSignature)
        let client = MQTTClient(configuration: configuration(broker))
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code == .authenticationFailed)
        await broker.stop()
    }

    @Test("a wrong password is refused with 0x87 and the error does not hold it")
    func wrongPassword_isRefused() async throws {
        let broker = try await SCRAMTestBroker.start(account: try Self.account(.sha256))
        let client = MQTTClient(configuration: configuration(broker, password: "not-the-pencil"))
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code == .refused)
        #expect(error?.reasonCode == .notAuthorized)
        #expect(error.map { !"\($0)".contains("not-the-pencil") } ?? false)
        await broker.stop()
    }

    @Test("a server that never answers makes connect time out")
    func silentServer_timesOut() async throws {
        let broker = try await SCRAMTestBroker.start(account: try Self.account(.sha256), behaviour: .silent)
        var settings = configuration(broker)
        settings.timeout = .milliseconds(300)
        let client = MQTTClient(configuration: settings)
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code == .timedOut)
        await broker.stop()
    }

    @Test("a server that stops answering pings ends the connection with a keep-alive timeout")
    func unansweredPings_endTheConnection() async throws {
        let broker = try await SCRAMTestBroker.start(account: try Self.account(.sha256), behaviour: .ignorePings)
        var settings = configuration(broker)
        settings.keepAlive = 1
        let client = MQTTClient(configuration: settings)
        _ = try await client.connect()
        for await _ in client.messages {}  // finishes when the connection ends
        #expect(await !client.isConnected)
        let error = await #expect(throws: MQTTClientError.self) { try await client.publish(topic: "t", payload: []) }
        #expect(error?.code == .invalidState)
        await client.close()
        await broker.stop()
    }

    @Test("a connection that ends right behind its CONNACK never leaves the client connected")
    func hangUpBehindTheConnack_leavesTheClientClosed() async throws {
        let broker = try await SCRAMTestBroker.start(account: try Self.account(.sha256), behaviour: .hangUpAfterConnack)
        for _ in 0..<20 {
            let client = MQTTClient(configuration: configuration(broker))
            // Whether connect() resumes before or after the reader saw the hang-up is up to the
            // scheduler: either way the accepted CONNACK is the answer, and the client ends closed.
            #expect(try await client.connect().reasonCode == .success)
            for await _ in client.messages {}
            #expect(await !client.isConnected)
            await client.close()
        }
        await broker.stop()
    }
}
