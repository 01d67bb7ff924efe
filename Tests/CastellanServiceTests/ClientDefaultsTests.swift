import Foundation
import Testing

/// What an operator trying a device from the service's own machine does not have to type.
@Suite struct ClientDefaultsTests {
    @Test func clientOverTLS_takesTheCAOfCastellanYaml_whenNoneIsGiven() async throws {
        try await withStack { stack in
            try await stack.service.addDevice("p1", policy: .password)
            try await stack.service.setPassword("p1-password", for: "p1")
            let passwordFile = stack.service.directory.file("p1.password")
            try "p1-password\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            let arguments = ["client", "connect", "--host", "127.0.0.1", "--port", "\(stack.tlsPasswordPort)", "--tls",
                             "--server-name", "localhost", "--username", "p1", "--password-file", passwordFile]
            let configured = try await CLIProcess.run(
                arguments, config: nil, environment: ["CASTELLAN_CONFIG": stack.service.configuration.file])
            #expect(configured.status == 0 && configured.output.hasPrefix("accepted: client id p1"), "\(configured)")
            // Nowhere to take a CA from: a usage error that says what to give.
            let nowhere = try await CLIProcess.run(
                arguments, config: nil, environment: ["CASTELLAN_CONFIG": stack.service.directory.file("no-such.yaml")])
            #expect(nowhere.status == 2 && nowhere.error.contains("--tls needs --ca"), "\(nowhere)")
        }
    }
}
