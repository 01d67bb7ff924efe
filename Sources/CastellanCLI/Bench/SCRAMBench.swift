import CastellanAuth

/// SCRAM and password throughput on one core, for `castellan bench auth` (release build).
///
/// - `scram_*_proof_verifications_per_s`: the server's client-final step (parse, `c=` and
///   nonce checks, HMAC + hash + constant-time compare, server signature) from stored keys —
///   the work a SCRAM worker does per exchange; PBKDF2 runs on the client. Target ≥ 200k/s.
/// - `scram_*_server_exchanges_per_s`: both server steps (client-first to server-final).
/// - `password_*_verifications_per_s`: a basic-auth password against the SCRAM keys
///   (PBKDF2, 4096 iterations), and the same through ``VerifiedPasswordCache`` on a hit.
enum SCRAMBench {
    /// The same bytes every time, so the server nonce repeats and one client-final stays
    /// valid for every exchange of the benchmark. Never use outside a benchmark.
    private struct RepeatingEntropy: EntropySource {
        func bytes(_ count: Int) throws -> [UInt8] { Array(repeating: 0x5A, count: count) }
    }

    struct BenchFailure: Error, CustomStringConvertible {
        var description: String
    }

    static func run() throws -> [(name: String, value: Double, unit: String)] {
        var results: [(name: String, value: Double, unit: String)] = []
        let entropy = RepeatingEntropy()
        let configuration = try SCRAMServerConfiguration(unknownUserKey: Array(repeating: 1, count: 32))
        for (label, mechanism) in [("sha256", SCRAMMechanism.sha256), ("sha512", .sha512)] {
            let credential = try SCRAMCredential.derive(
                password: "pencil", salt: Array(repeating: 7, count: 16), iterations: 4096, mechanism: mechanism)
            let account = SCRAMAccount(credential: credential)
            var client = try SCRAMClient(mechanism: mechanism, username: "dev1", password: "pencil", entropy: entropy)
            let clientFirst = try client.start()
            var awaitingFinal = try SCRAMServer(
                mechanism: mechanism, configuration: configuration, createdAt: .now, entropy: entropy)
            _ = try awaitingFinal.receiveClientFirst(clientFirst)
            let clientFinal = try client.receiveServerFirst(try awaitingFinal.respond(to: account))

            let proofRate = try measure {
                var server = awaitingFinal
                guard case .success = try server.receiveClientFinal(clientFinal) else {
                    throw BenchFailure(description: "proof did not verify")
                }
            }
            results.append(("scram_\(label)_proof_verifications_per_s", proofRate, "ops/s"))

            let exchangeRate = try measure {
                var server = try SCRAMServer(
                    mechanism: mechanism, configuration: configuration, createdAt: .now, entropy: entropy)
                _ = try server.receiveClientFirst(clientFirst)
                _ = try server.respond(to: account)
                guard case .success = try server.receiveClientFinal(clientFinal) else {
                    throw BenchFailure(description: "exchange did not verify")
                }
            }
            results.append(("scram_\(label)_server_exchanges_per_s", exchangeRate, "ops/s"))
        }

        let credential = try SCRAMCredential.derive(
            password: "pencil", salt: Array(repeating: 7, count: 16), iterations: 4096, mechanism: .sha256)
        let password = Array("pencil".utf8)
        let pbkdf2Rate = try measure(batch: 20) {
            guard PasswordVerifier.verify(password: password, against: credential) else {
                throw BenchFailure(description: "password did not verify")
            }
        }
        results.append(("password_sha256_4096_verifications_per_s", pbkdf2Rate, "ops/s"))

        var cache = try VerifiedPasswordCache(entropy: SystemEntropy())
        let now = ContinuousClock.now
        _ = cache.verify(identity: "dev1", password: password, credential: credential, now: now)
        let cachedRate = try measure {
            guard cache.verify(identity: "dev1", password: password, credential: credential, now: now) else {
                throw BenchFailure(description: "cached password did not verify")
            }
        }
        results.append(("password_cached_verifications_per_s", cachedRate, "ops/s"))
        return results
    }

    /// Runs `body` in batches for about a second and returns operations per second.
    private static func measure(batch: Int = 1_000, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        for _ in 0..<min(batch, 100) { try body() }  // warm up
        var operations = 0
        let start = clock.now
        var elapsed: Duration = .zero
        while elapsed < .seconds(1) {
            for _ in 0..<batch { try body() }
            operations += batch
            elapsed = start.duration(to: clock.now)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(operations) / seconds
    }
}
