import Testing
@testable import CastellanAuth
import SupervisionTesting

/// Bytes that exercise the topic grammar's interesting characters far more often than chance.
private let topicAlphabet: [UInt8] = Array("ab/+#$%uc/".utf8) + [0x00, 0xC3, 0xA4, 0xFF, 0x7F, 0x09]
/// Identities near the device-id grammar's edges: its punctuation, and what it refuses.
private let identityAlphabet: [UInt8] = Array("abcAB0123.-_:abc012".utf8) + Array("/+#$%,= ".utf8) + [0x00, 0xC3, 0xA4, 0x09]

private func randomTopicBytes(_ random: inout SeededRandom, maxLength: Int = 24, alphabet: [UInt8] = topicAlphabet) -> [UInt8] {
    let count = Int.random(in: 0...maxLength, using: &random)
    return (0..<count).map { _ in
        Int.random(in: 0..<8, using: &random) == 0 ? UInt8.random(in: 0...255, using: &random) : alphabet.randomElement(using: &random)!
    }
}

@Test func aclFuzz_100kRandomPatternsAndTopics_parseToAValueOrATypedErrorAndStayConsistent() throws {
    var random = SeededRandom(seed: 0xAC1)
    var accepted = 0
    var violations: [String] = []
    for _ in 0..<100_000 {
        let text = String(decoding: randomTopicBytes(&random), as: UTF8.self)
        let other = String(decoding: randomTopicBytes(&random), as: UTF8.self)
        let filter = try? TopicFilter(text)
        if let pattern = try? ACLPattern(text) {
            accepted += 1
            _ = try? ACLRule(.allow, .all, pattern)
        }
        // Every topic name is also a filter.
        if (try? TopicName(text)) != nil, filter == nil { violations.append("name not filter: \(text.debugDescription)") }
        if let filter, let otherFilter = try? TopicFilter(other) {
            let overlaps = filter.overlaps(otherFilter)
            if filter.covers(otherFilter), !overlaps { violations.append("covers without overlap: \(text) \(other)") }
            if overlaps != otherFilter.overlaps(filter) { violations.append("asymmetric overlap: \(text) \(other)") }
            if let otherName = try? TopicName(other), filter.matches(otherName), !overlaps {
                violations.append("match without overlap: \(text) \(other)")
            }
        }
    }
    #expect(violations.isEmpty, "\(violations.prefix(5))")
    #expect(accepted > 0)
}

@Test func aclFuzz_100kRandomChecksWithHostileIdentities_neverCrashAndNeverLeakOutsideTheDevice() throws {
    var random = SeededRandom(seed: 0xAC2)
    let set = try ACLRuleSet.device(adding: [])
    var leaks: [String] = []
    var grants = 0
    for _ in 0..<100_000 {
        let username = String(decoding: randomTopicBytes(&random, maxLength: 6, alphabet: identityAlphabet), as: UTF8.self)
        let tail = String(decoding: randomTopicBytes(&random, maxLength: 12), as: UTF8.self)
        // Half the topics aim at the username's own subtree, so grants happen and get checked.
        let topic = Bool.random(using: &random) ? "devices/" + username + tail : "devices/" + tail
        let access = ACLAccess.allCases.randomElement(using: &random)!
        guard set.check(topic: topic, access: access, username: username, clientID: "dev1") else { continue }
        grants += 1
        // Granted: the identity must be safe and the topic must sit under devices/<identity>.
        let inside = (try? DeviceID(username)) != nil
            && (topic == "devices/\(username)" || topic.hasPrefix("devices/\(username)/"))
        if !inside { leaks.append("\(username.debugDescription) \(access) \(topic.debugDescription)") }
    }
    #expect(leaks.isEmpty, "\(leaks.prefix(5))")
    #expect(grants > 500)  // most random identities break the device-id grammar, so grant nothing
}

@Test func aclFuzz_100kRandomAndMutatedWireForms_decodeToAValueOrATypedError() throws {
    var random = SeededRandom(seed: 0xDEC0DE)
    let seeds = try [
        ACLRuleSet.device(adding: [ACLRule(effect: "deny", access: "publish", pattern: "devices/%u/ro/#")])
            .resolve(username: "dev1", clientID: "dev1").encode(),
        ClientACL.denyAll.encode(),
        ACLRuleSet(rules: [ACLRule(effect: "allow", access: "all", pattern: "a/+/b/#"), ACLRule(effect: "allow", access: "receive", pattern: "$SYS/#")])
            .resolve(username: nil, clientID: nil).encode(),
    ]
    var decoded = 0
    var reencodingMismatches = 0
    for iteration in 0..<100_000 {
        var bytes: [UInt8]
        if iteration % 4 == 0 {
            bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if !bytes.isEmpty, Bool.random(using: &random) { bytes[0] = 1 }
        } else {
            bytes = seeds.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !bytes.isEmpty:
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                case 1 where !bytes.isEmpty:
                    bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
                case 2:
                    bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
                default:
                    bytes.append(contentsOf: bytes.prefix(4))
                }
            }
        }
        do {
            let acl = try ClientACL.decode(bytes)
            decoded += 1
            if acl.encode() != bytes { reencodingMismatches += 1 }
            _ = acl.check(topic: "a/x/b", access: .subscribe)
        } catch {
            _ = error.description
        }
    }
    #expect(decoded > 0)
    #expect(reencodingMismatches == 0, "a decoded value must re-encode to the same bytes")
}
