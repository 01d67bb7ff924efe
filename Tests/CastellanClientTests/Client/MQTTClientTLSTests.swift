import ServerTesting
import CastellanClient
import Foundation
import Testing

/// Mutual TLS against mosquitto with `require_certificate true`.
@Suite("MQTT client over TLS")
struct MQTTClientTLSTests {
    private static func startBroker() async throws -> (Broker, TLSFiles) {
        var files: TLSFiles?
        let broker = try await Broker.start(settings: [
            "allow_anonymous true", "cafile {dir}/ca.pem", "certfile {dir}/server.pem", "keyfile {dir}/server.key",
            "require_certificate true", "use_identity_as_username false", "set_tcp_nodelay true",
        ]) { directory in
            files = try TLSFiles.write(into: directory)
        }
        guard let files else { throw BrokerError(description: "no TLS files") }
        return (broker, files)
    }

    @Test("a client with a certificate from the CA connects, publishes and receives over TLS")
    func clientCertificate_isAccepted() async throws {
        let (broker, files) = try await Self.startBroker()
        defer { broker.stop() }
        var settings = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
        settings.timeout = .seconds(5)
        settings.tls = MQTTTLSConfiguration(caFile: files.caFile, certificateFile: files.clientCertificateFile,
                                            privateKeyFile: files.clientKeyFile)
        let client = MQTTClient(configuration: settings)
        _ = try await client.connect()
        _ = try await client.subscribe(to: "tls/echo", qos: .atLeastOnce)
        #expect(try await client.publish(topic: "tls/echo", payload: Array("over tls".utf8), qos: .atLeastOnce) == .success)
        var iterator = client.messages.makeAsyncIterator()
        #expect(await iterator.next()?.payloadString == "over tls")
        await client.disconnect()
    }

    @Test("a client without a certificate is turned away by require_certificate")
    func missingClientCertificate_failsTheConnect() async throws {
        let (broker, files) = try await Self.startBroker()
        defer { broker.stop() }
        var settings = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
        settings.timeout = .seconds(5)
        settings.tls = MQTTTLSConfiguration(caFile: files.caFile)
        let client = MQTTClient(configuration: settings)
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code != .refused && error?.code != .timedOut)
    }

    @Test("a broker certificate from another CA fails the connect")
    func untrustedBroker_failsTheConnect() async throws {
        let (broker, files) = try await Self.startBroker()
        defer { broker.stop() }
        let other = try TLSFiles.write(into: FileManager.default.temporaryDirectory.appendingPathComponent("castellan-other-\(UUID())")
            .creatingDirectory())
        var settings = MQTTClientConfiguration(host: "127.0.0.1", port: broker.port)
        settings.timeout = .seconds(5)
        settings.tls = MQTTTLSConfiguration(caFile: other.caFile, certificateFile: files.clientCertificateFile,
                                            privateKeyFile: files.clientKeyFile)
        let client = MQTTClient(configuration: settings)
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code == .connectionFailed)
    }

    @Test("a missing CA file is a TLS configuration error before any connection")
    func missingCAFile_isAConfigurationError() async throws {
        var settings = MQTTClientConfiguration(host: "127.0.0.1", port: 1)
        settings.tls = MQTTTLSConfiguration(caFile: "/nonexistent/ca.pem")
        let client = MQTTClient(configuration: settings)
        let error = await #expect(throws: MQTTClientError.self) { try await client.connect() }
        #expect(error?.code == .tlsConfiguration)
    }
}

extension URL {
    func creatingDirectory() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
