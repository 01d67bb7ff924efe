import CastellanAdmin
import SupervisionTesting
import Foundation
import Testing

@Suite struct AuthorizationTests {
    static let routes: [(method: String, path: String)] = [
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/v1/supervision/tree"),
        ("GET", "/v1/supervision/events"), ("POST", "/v1/chaos/kill"),
    ]

    @Test func everyEndpoint_withoutTheToken_answers401_andKillsNothing() async throws {
        let harness = try await AdminHarness()
        let before = try await harness.client.tree().generations
        let secret = harness.token.authorizationHeader.dropFirst("Bearer ".count)
        let otherFilesToken = "Bearer " + String(repeating: "ab", count: 32)
        let wrong: [String?] = [nil, "Bearer", "Bearer ", "Bearer wrong", otherFilesToken, "Basic \(secret)",
                                "Bearer \(secret)x", "Bearer \(secret.dropLast())"]
        let worker = try #require(try await harness.client.tree().firstWorker(under: "/castellan/auth/scram"))
        for authorization in wrong {
            let client = harness.client(authorization: authorization)
            for route in Self.routes {
                let response = try await client.request(route.method == "POST" ? .POST : .GET, route.path,
                                                        json: route.method == "POST" ? Array("{\"path\":\"\(worker.path)\"}".utf8) : nil)
                #expect(response.status == 401, "\(route.path) with \(authorization.map { $0.isEmpty ? "empty" : "a wrong header" } ?? "no header")")
                #expect(!response.text.contains(secret))
            }
        }
        #expect(try await harness.client.tree().generations == before)
        try await harness.stop()
    }

    @Test func theRightToken_opensEveryReadEndpoint() async throws {
        let harness = try await AdminHarness()
        let secret = harness.token.authorizationHeader.dropFirst("Bearer ".count)
        for path in ["/healthz", "/readyz", "/metrics", "/v1/supervision/tree", "/v1/supervision/events?follow=false"] {
            let response = try await harness.client.request(.GET, path)
            #expect(response.status == 200, "\(path)")
            #expect(!response.text.contains(secret))
        }
        // The scheme is case-insensitive (RFC 7235); the token is not.
        let lower = harness.client(authorization: "bearer \(secret)")
        #expect(try await lower.request(.GET, "/healthz").status == 200)
        try await harness.stop()
    }

    @Test func theUnixSocket_isOwnerOnly() async throws {
        let harness = try await AdminHarness()
        #expect(try mode(of: harness.socketPath) == 0o600)
        try await harness.stop()
    }

    @Test func aTokenValue_neverPrintsItsSecret() throws {
        let token = try AdminToken("0123456789abcdef")
        #expect(!"\(token)".contains("0123456789abcdef"))
        #expect(throws: AdminError.self) { try AdminToken("  \n") }
    }

    /// What every command that talks to the admin API reads the token with (`castellan events`,
    /// `chaos run`, `serve`): a file group or others can read is refused, naming the fix.
    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func aTokenFileOthersCanAccess_isRefused_namingTheFileAndTheFix(mode: Int) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("admin.token")
        try Data("0123456789abcdef\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try AdminToken.load(from: path).authorizes("Bearer 0123456789abcdef"))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        let error = #expect(throws: AdminError.self) { try AdminToken.load(from: path) }
        #expect(error?.description.contains("chmod 600 \(path)") == true, "\(String(describing: error))")
        #expect(error?.description.contains("0123456789abcdef") == false)
    }
}
