@testable import CastellanAuth
import Testing

/// One exchange of `client` against a fresh server holding `credential`: whether both sides
/// authenticated each other.
private func exchange(_ client: inout SCRAMClient, credential: SCRAMCredential) throws -> Bool {
    var server = try SCRAMFixtures.server()
    _ = try server.receiveClientFirst(try client.start())
    let clientFinal = try client.receiveServerFirst(try server.respond(to: SCRAMAccount(credential: credential)))
    guard case .success(let serverFinal) = try server.receiveClientFinal(clientFinal) else { return false }
    try client.receiveServerFinal(serverFinal)
    return client.isAuthenticated
}

private func client(password: String, cache: SCRAMKeyCache) throws -> SCRAMClient {
    try SCRAMClient(mechanism: .sha256, username: "user", password: password, entropy: SCRAMTestEntropy(), keyCache: cache)
}

@Test func scramKeyCache_laterExchangesUseTheKeysOfTheFirst() throws {
    let cache = SCRAMKeyCache()
    let credential = try SCRAMFixtures.credential("pencil")
    var first = try client(password: "pencil", cache: cache)
    #expect(try exchange(&first, credential: credential))
    // The cache is per password, keyed by what the server sends: a client built with another
    // password but the same cache proves with the cached keys — so they, not PBKDF2, were used.
    var second = try client(password: "not the password", cache: cache)
    #expect(try exchange(&second, credential: credential))
}

@Test func scramKeyCache_anotherSaltOrIterationCount_derivesAgain() throws {
    let cache = SCRAMKeyCache()
    var first = try client(password: "pencil", cache: cache)
    #expect(try exchange(&first, credential: SCRAMFixtures.credential("pencil")))
    // The server's credential was reset (same password, new salt, more iterations): the cached
    // keys do not fit, and the keys derived now must come from the client's own password.
    let reset = try SCRAMCredential.derive(password: "pencil", salt: Array(repeating: 9, count: 16), iterations: 5000, mechanism: .sha256)
    var again = try client(password: "pencil", cache: cache)
    #expect(try exchange(&again, credential: reset))
    var wrong = try client(password: "not the password", cache: SCRAMKeyCache())
    #expect(throws: SCRAMError.self, "without the cache a wrong password fails, as it must") {
        _ = try exchange(&wrong, credential: reset)
    }
}
