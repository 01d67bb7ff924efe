import ServerTesting
import CastellanAuth
import CastellanClient
import Foundation
import NIOPosix
import Testing

/// Against a real mosquitto 2.0.11 without any plugin.
@Suite("MQTT client against mosquitto")
struct MQTTClientBrokerTests {
    private func configuration(_ broker: Broker, _ version: MQTTProtocolVersion = .v5) -> MQTTClientConfiguration {
        var configuration = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
        configuration.protocolVersion = version
        configuration.timeout = .seconds(5)
        return configuration
    }

    @Test("a v5 client without a client id is accepted and told the id the broker assigned")
    func v5Connect_isAcceptedWithAssignedClientID() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let client = MQTTClient(configuration: configuration(broker))
        let result = try await client.connect()
        #expect(result.reasonCode == .success)
        #expect(!result.clientID.isEmpty)
        #expect(await client.isConnected)
        await client.disconnect()
        #expect(await !client.isConnected)
    }

    @Test("a client made on an event loop runs there: from that loop it is isolated, connected, and sees its messages")
    func clientOnAnEventLoop_isIsolatedToIt() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let client = MQTTClient(configuration: configuration(broker), eventLoop: loop)
        #expect(client.eventLoop === loop)
        _ = try await client.connect()
        // `assumeIsolated` traps off the actor's executor: this holds only if the actor is the loop's.
        #expect(try await loop.submit { client.assumeIsolated { $0.isConnected } }.get())
        #expect(try await client.subscribe(to: "loop/t", qos: .atLeastOnce) == .grantedQoS1)
        #expect(try await client.publish(topic: "loop/t", payload: Array("on the loop".utf8), qos: .atLeastOnce) == .success)
        var messages = client.messages.makeAsyncIterator()
        #expect(await messages.next()?.payload == Array("on the loop".utf8))
        await client.disconnect()
        #expect(try await !loop.submit { client.assumeIsolated { $0.isConnected } }.get())
    }

    @Test("a 3.1.1 client with a client id is accepted")
    func v311Connect_isAccepted() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        var settings = configuration(broker, .v3_1_1)
        settings.clientID = "device-311"
        let client = MQTTClient(configuration: settings)
        #expect(try await client.connect().clientID == "device-311")
        await client.disconnect()
    }

    @Test("a message from mosquitto_pub reaches the client's message stream", arguments: MQTTProtocolVersion.allCases)
    func mosquittoPub_reachesClient(version: MQTTProtocolVersion) async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let client = MQTTClient(configuration: configuration(broker, version))
        _ = try await client.connect()
        #expect(try await client.subscribe(to: "castellan/in/#", qos: .atLeastOnce) == .grantedQoS1)
        let published = try await Tool.run("/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", "\(broker.port)",
                                                                 "-t", "castellan/in/1", "-m", "from mosquitto", "-q", "1"])
        #expect(published.status == 0)
        var iterator = client.messages.makeAsyncIterator()
        let message = await iterator.next()
        #expect(message?.topic == "castellan/in/1")
        #expect(message?.payloadString == "from mosquitto")
        #expect(message?.qos == .atLeastOnce)
        await client.disconnect()
        #expect(await iterator.next() == nil)
    }

    @Test("a message the client publishes reaches mosquitto_sub", arguments: MQTTProtocolVersion.allCases)
    func clientPublish_reachesMosquittoSub(version: MQTTProtocolVersion) async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let client = MQTTClient(configuration: configuration(broker, version))
        _ = try await client.connect()
        // Retained, so mosquitto_sub receives it whenever its subscription lands: no race.
        let code = try await client.publish(topic: "castellan/out", payload: Array("from castellan".utf8), qos: .atLeastOnce, retain: true)
        #expect(code.isSuccess)
        await client.disconnect()
        let received = try await Tool.run("/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(broker.port)",
                                                               "-t", "castellan/out", "-C", "1", "-W", "5"])
        #expect(received.status == 0)
        #expect(received.output == "from castellan\n")
    }

    @Test("a QoS 1 publication without subscribers gets PUBACK 0x10, with one gets 0x00")
    func qos1Publish_returnsPubAckReasonCode() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let publisher = MQTTClient(configuration: configuration(broker))
        let subscriber = MQTTClient(configuration: configuration(broker))
        _ = try await publisher.connect()
        _ = try await subscriber.connect()
        #expect(try await publisher.publish(topic: "q/1", payload: [1], qos: .atLeastOnce) == .noMatchingSubscribers)
        _ = try await subscriber.subscribe(to: "q/1", qos: .atLeastOnce)
        #expect(try await publisher.publish(topic: "q/1", payload: [2], qos: .atLeastOnce) == .success)
        var iterator = subscriber.messages.makeAsyncIterator()
        #expect(await iterator.next()?.payload == [2])
        #expect(try await subscriber.unsubscribe(["q/1"]) == [.success])
        await publisher.disconnect()
        await subscriber.disconnect()
    }

    @Test("a wrong password is refused with 0x87 on v5 and 5 on 3.1.1; the right one is accepted",
          arguments: MQTTProtocolVersion.allCases)
    func passwordLogin_isCheckedByTheBroker(version: MQTTProtocolVersion) async throws {
        let broker = try await Broker.start(settings: ["allow_anonymous false", "password_file {dir}/passwords"]) { directory in
            let made = try await Tool.run("/usr/bin/mosquitto_passwd", ["-c", "-b", directory.appendingPathComponent("passwords").path,
                                                                   "device-7", "right horse"])
            guard made.status == 0 else { throw BrokerError(description: "mosquitto_passwd failed") }
        }
        defer { broker.stop() }
        var wrong = configuration(broker, version)
        wrong.username = "device-7"
        wrong.password = "wrong horse"
        let refused = MQTTClient(configuration: wrong)
        let error = await #expect(throws: MQTTClientError.self) { try await refused.connect() }
        #expect(error?.code == .refused)
        #expect(error?.reasonCode == MQTTReasonCode(rawValue: version == .v5 ? 0x87 : 5))
        #expect(error.map { !"\($0)".contains("wrong horse") } ?? false)

        var right = wrong
        right.password = "right horse"
        let accepted = MQTTClient(configuration: right)
        _ = try await accepted.connect()
        await accepted.disconnect()
    }

    @Test("SCRAM against a broker without the Castellan plugin is refused as a bad authentication method")
    func scramWithoutPlugin_isRefused() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        var settings = configuration(broker)
        settings.authentication = .scram(.sha256, username: "device-1", password: "pencil")
        let client = MQTTClient(configuration: settings)
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code == .refused)
        #expect(error?.reasonCode == .badAuthenticationMethod)
    }

    @Test("an operation before connect is an invalid state, and a second connect too")
    func operationsOutOfOrder_areRefused() async throws {
        let broker = try await Broker.start()
        defer { broker.stop() }
        let client = MQTTClient(configuration: configuration(broker))
        await #expect(throws: MQTTClientError.self) { try await client.publish(topic: "t", payload: []) }
        _ = try await client.connect()
        let again = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(again?.code == .invalidState)
        await client.close()
    }
}
