import CastellanAdmin
import CastellanStore
import Foundation
import ServerTesting
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The observer's static page is the only thing served without the token, and holds no secret.
@Suite struct ObserverPageTests {
    @Test func thePage_withoutAToken_isServedAsHTML_andHoldsNoSecret() async throws {
        let harness = try await AdminHarness.onFreePort()
        let secret = String(harness.token.authorizationHeader.dropFirst("Bearer ".count))
        let expected = ["/": "text/html", "/observer.css": "text/css", "/observer.js": "text/javascript"]
        for (path, type) in expected {
            let url = try #require(URL(string: "\(harness.configuration.adminListen)\(path)"))
            let (body, response) = try await URLSession.shared.data(from: url)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200, "\(path)")
            #expect(http.value(forHTTPHeaderField: "Content-Type")?.hasPrefix(type) == true, "\(path)")
            #expect(http.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("script-src 'self'") == true)
            let text = String(decoding: body, as: UTF8.self)
            #expect(!text.isEmpty)
            #expect(!text.contains(secret), "\(path)")
        }
        try await harness.stop()
    }

    @Test func besideThePage_everyDataEndpoint_stillNeedsTheToken() async throws {
        let harness = try await AdminHarness()
        let anonymous = harness.client(authorization: nil)
        #expect(try await anonymous.request(.GET, "/").status == 200)
        #expect(try await anonymous.request(.GET, "/observer.js").text.contains("castellan-restart"))
        for path in ["/v1/supervision/tree", "/v1/supervision/events?follow=false", "/metrics", "/healthz"] {
            #expect(try await anonymous.request(.GET, path).status == 401, "\(path)")
        }
        #expect(try await anonymous.request(.POST, "/v1/chaos/kill", json: Array("{\"random\":1}".utf8)).status == 401)
        try await harness.stop()
    }

    @Test func theObserverURL_carriesTheTokenInItsFragment_onlyForAnHTTPListener() throws {
        let token = try AdminToken("ab/c+d")
        #expect(ObserverPage.url(listen: .http(port: 8081), token: token) == "http://127.0.0.1:8081/#token=ab%2Fc%2Bd")
        #expect(ObserverPage.url(listen: .unix(path: "/run/castellan/admin.sock"), token: token) == nil)
    }
}
