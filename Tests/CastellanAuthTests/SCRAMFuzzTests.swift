@testable import CastellanAuth
import Testing
import SupervisionTesting

/// Random and mutated SCRAM messages: every parser and state machine answers with a value
/// or a typed ``SCRAMError`` (the typed `throws` guarantees the type), and never traps.
private enum SCRAMFuzz {
    static let interesting: [UInt8] = Array(",=\0anrcpsivtmeyxy23CD +/".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xFF, 0xE2]

    /// Random bytes eight at a time: per-byte `UInt8.random` is slow in debug builds.
    static func randomBytes(_ count: Int, using rng: inout SeededRandom) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count + 8)
        while output.count < count { withUnsafeBytes(of: rng.next()) { output += $0 } }
        return Array(output.prefix(count))
    }

    static func mutate(_ seed: [UInt8], using rng: inout SeededRandom) -> [UInt8] {
        var message = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0 where !message.isEmpty:
                message[Int.random(in: 0..<message.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1:
                message.insert(interesting.randomElement(using: &rng)!, at: Int.random(in: 0...message.count, using: &rng))
            case 2 where !message.isEmpty:
                message.remove(at: Int.random(in: 0..<message.count, using: &rng))
            case 3:
                message = Array(message.prefix(Int.random(in: 0...message.count, using: &rng)))
            case 4, 5, 6:
                var fields = message.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(Array.init)
                let a = Int.random(in: 0..<fields.count, using: &rng), b = Int.random(in: 0..<fields.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: fields.insert(fields[a], at: b)  // duplicate
                case 1: fields.swapAt(a, b)  // reorder
                default: fields.remove(at: a)  // drop
                }
                message = Array(fields.joined(separator: [UInt8(ascii: ",")]))
            case 7:
                message += Array(repeating: interesting.randomElement(using: &rng)!, count: Int.random(in: 1...5000, using: &rng))
            case 8:
                message = randomBytes(Int.random(in: 0...200, using: &rng), using: &rng)
            default:
                message.insert(UInt8.random(in: 0x20...0x7E, using: &rng), at: Int.random(in: 0...message.count, using: &rng))
            }
        }
        return message
    }

    static func inputs(seeds: [String], count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededRandom(seed: seed)
        let seeds = seeds.map { Array($0.utf8) }
        return (0..<count).map { index in
            let base = seeds[index % seeds.count]
            return index % 10 == 0 ? base : mutate(base, using: &rng)
        }
    }
}

// 100,000 inputs per side (server parsers: client-first + client-final; client parsers:
// server-first + server-final), split in four tests so each stays short in a debug build.

@Test func scramFuzz_clientFirst_50kMutatedMessages_neverTrapServerParserOrStateMachine() throws {
    let clientFirstSeeds = [
        "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", "y,a=us=2Cer,n=us=2Cer,r=abc,t=123456",
        "p=tls-server-end-point,,n=dev5,r=xyz,t=12345678", "n,,m=1,n=u,r=a", "n,a=user,n=user,r=a=b",
    ]
    var accepted = 0, refused = 0, violations = 0
    let fresh = try SCRAMFixtures.server()
    for message in SCRAMFuzz.inputs(seeds: clientFirstSeeds, count: 50_000, seed: 0xC11E) {
        do {
            let parsed = try SCRAMClientFirstMessage.parse(message, maximumLength: SCRAMServer.maximumMessageLength)
            // Plain checks, one #expect at the end: #expect in a 100k loop dominates the run time.
            if parsed.gs2Header + parsed.bare != message || parsed.username.isEmpty
                || !SCRAMWire.isPrintableNonce(parsed.nonce) { violations += 1 }
            accepted += 1
        } catch { refused += 1 }
        var server = fresh
        _ = try? server.receiveClientFirst(message)
    }
    #expect(violations == 0)
    #expect(accepted > 1_000 && refused > 25_000)
}

@Test func scramFuzz_clientFinal_50kMutatedMessages_neverTrapServerParserOrStateMachine() throws {
    var accepted = 0, refused = 0, violations = 0
    let exchange = try SCRAMFixtures.serverAwaitingFinal(account: nil)
    let clientFinalSeeds = [text(exchange.clientFinal), "c=biws,r=a,p=AAAA", "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCws,r=ab,x=1,p=YQ=="]
    for (index, message) in SCRAMFuzz.inputs(seeds: clientFinalSeeds, count: 50_000, seed: 0xF1A1).enumerated() {
        do {
            let parsed = try SCRAMClientFinalMessage.parse(message, maximumLength: SCRAMServer.maximumMessageLength)
            if !message.starts(with: parsed.withoutProof) || parsed.proof.isEmpty { violations += 1 }
            accepted += 1
        } catch { refused += 1 }
        // Every fifth also through the state machine: its HMACs are slow in a debug build.
        guard index % 5 == 0 else { continue }
        var server = exchange.server
        if case .success = try? server.receiveClientFinal(message) { violations += 1 }  // unknown user
    }
    #expect(violations == 0)
    #expect(accepted > 1_000 && refused > 25_000)
}

@Test func scramFuzz_serverFirst_50kMutatedMessages_neverTrapClientParser() throws {
    let serverFirstSeeds = [
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=abc,s=QSXCR+Q6sek8bf92,i=1,x=y", "m=1,r=a,s=AA==,i=9",
    ]
    var accepted = 0, refused = 0, violations = 0
    for message in SCRAMFuzz.inputs(seeds: serverFirstSeeds, count: 50_000, seed: 0x5E1F) {
        do {
            let parsed = try SCRAMServerFirstMessage.parse(message, maximumLength: SCRAMServer.maximumMessageLength)
            if parsed.iterations <= 0 || parsed.salt.isEmpty || parsed.bytes != message { violations += 1 }
            accepted += 1
        } catch { refused += 1 }
    }
    #expect(violations == 0)
    #expect(accepted > 1_000 && refused > 25_000)
}

@Test func scramFuzz_serverFinal_50kMutatedMessages_neverTrapClientParserOrStateMachine() throws {
    var accepted = 0, refused = 0, violations = 0
    let serverFinalSeeds = ["v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "e=invalid-proof", "v=AA==,x=1"]
    let waiting = try SCRAMFixtures.serverAwaitingFinal(account: nil).client
    for message in SCRAMFuzz.inputs(seeds: serverFinalSeeds, count: 50_000, seed: 0x5EF1) {
        do {
            _ = try SCRAMServerFinalMessage.parse(message, maximumLength: SCRAMServer.maximumMessageLength)
            accepted += 1
        } catch { refused += 1 }
        var client = waiting
        try? client.receiveServerFinal(message)
        if client.isAuthenticated { violations += 1 }  // no message can carry the right signature
    }
    #expect(violations == 0)
    #expect(accepted > 1_000 && refused > 25_000)
}

@Test func scramFuzz_clientStateMachine_mutatedServerFirst_neverTraps() throws {
    var configuration = SCRAMClient.Configuration()
    configuration.maximumIterations = 4096
    var started = try SCRAMClient(
        mechanism: .sha256, username: "user", password: "pencil", configuration: configuration, entropy: SCRAMTestEntropy())
    started.fixedNonce = bytes("rOprNGfwEbeRWgbNEkqO")
    _ = try started.start()
    var produced = 0, violations = 0
    let seeds = ["r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"]
    for message in SCRAMFuzz.inputs(seeds: seeds, count: 2_000, seed: 0xC1F5) {
        var client = started
        if let final = try? client.receiveServerFirst(message) {
            if !text(final).hasPrefix("c=biws,r=rOprNGfwEbeRWgbNEkqO") { violations += 1 }
            produced += 1
        }
    }
    #expect(violations == 0)
    #expect(produced > 0)
}

@Test func scramBase64_strictDecoder_roundTripsAndRefusesNonCanonicalForms() {
    var rng = SeededRandom(seed: 64)
    for length in 0..<70 {
        let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(SCRAMBase64.decode(SCRAMBase64.encode(data)) == data)
    }
    for bad in ["A", "AA", "AAA", "AA=A", "A===", "=AAA", "AB==", "AAB=", "AA==AAAA", "AA A", "AA\nA", "AAA-"] {
        #expect(SCRAMBase64.decode(Array(bad.utf8)) == nil, "\(bad)")
    }
    #expect(SCRAMBase64.decode(Array("".utf8)) == [])
    #expect(SCRAMBase64.decode(Array("AA==".utf8)) == [0])
}
