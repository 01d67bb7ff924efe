import Foundation
import Testing
@testable import CastellanBridge

/// Tests/Fixtures/bridge-frames.txt, the golden frames both implementations check
/// (format: docs/bridge-protocol.md, last section).
struct GoldenFrames {
    struct Frame: Sendable, CustomTestStringConvertible {
        let name: String
        let direction: BridgeDirection
        let bytes: [UInt8]
        /// `key value` lines, in file order.
        let fields: [String]
        var testDescription: String { name }
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let name: String
        let direction: BridgeDirection
        let bytes: [UInt8]
        var testDescription: String { name }
    }

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bridge-frames.txt")

    var frames: [Frame] = []
    var malformed: [Malformed] = []

    static func load() throws -> GoldenFrames {
        var result = GoldenFrames()
        var pending: (name: String, direction: BridgeDirection, bytes: [UInt8], fields: [String])?
        func flush() {
            if let frame = pending {
                result.frames.append(Frame(name: frame.name, direction: frame.direction, bytes: frame.bytes, fields: frame.fields))
            }
            pending = nil
        }
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            switch parts[0] {
            case "frame":
                flush()
                pending = (parts[1], try direction(parts[2]), try hex(parts[3]), [])
            case "field":
                pending?.fields.append(parts[1] + " " + parts[2])
            case "malformed":
                flush()
                result.malformed.append(Malformed(name: parts[1], direction: try direction(parts[2]),
                                                  bytes: try hex(parts.count > 3 ? parts[3] : "")))
            default:
                throw FixtureError("unknown line: \(line)")
            }
        }
        flush()
        return result
    }

    private static func direction(_ text: String) throws -> BridgeDirection {
        guard let direction = BridgeDirection(rawValue: text) else { throw FixtureError("bad direction \(text)") }
        return direction
    }

    static func hex(_ text: String) throws -> [UInt8] {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2) else { throw FixtureError("odd hex \(text)") }
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw FixtureError("bad hex \(text)")
            }
            return byte
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Renders a frame as the fixture's `field` lines, so a decoded frame compares to the file.
enum FixtureFields {
    static func lines(of frame: BridgeFrame) -> [String] {
        var lines = ["type \(frame.message.typeCode)", "id \(frame.id)"]
        func add(_ key: String, _ value: some BinaryInteger) { lines.append("\(key) \(value)") }
        func add(_ key: String, _ bytes: [UInt8]?) {
            guard let bytes else { return lines.append("\(key) -") }
            lines.append("\(key) " + (bytes.isEmpty ? "\"\"" : bytes.map { String(format: "%02x", $0) }.joined()))
        }
        func add(_ key: String, _ text: String) { add(key, Array(text.utf8)) }
        switch frame.message {
        case .hello(let version, let brokerID):
            add("version", version); add("broker_id", brokerID)
        case .ping, .pong:
            break
        case .basicAuth(let request):
            add("conn", request.connection); add("generation", request.generation); add("protocol", request.protocolLevel.rawValue)
            add("address", request.address); add("listener_port", request.listenerPort); add("client_id", request.clientID)
            add("username", request.username)
            add("password", request.password); add("certificate", request.certificate)
        case .extAuth(let request):
            add("conn", request.connection); add("generation", request.generation); add("protocol", request.protocolLevel.rawValue)
            add("step", request.step.rawValue); add("address", request.address); add("listener_port", request.listenerPort)
            add("method", request.method)
            add("client_id", request.clientID); add("username", request.username); add("data", request.data)
            add("certificate", request.certificate)
        case .disconnect(let connection, let generation):
            add("conn", connection); add("generation", generation)
        case .sessions(let report):
            // The entries as one hex field, in wire order: what the C encoder is given too.
            var entries = FrameWriter()
            for live in report.connections {
                entries.u64(live.connection); entries.u64(live.generation); entries.bytes(live.clientID); entries.bytes(live.tag)
            }
            add("last", report.last ? 1 : 0); add("count", report.connections.count); add("entries", entries.bytes)
        case .helloAck(let version):
            add("version", version)
        case .decision(let decision):
            add("result", decision.result.rawValue); add("generation", decision.generation); add("username", decision.username)
            add("rules", decision.rules); add("data", decision.data); add("tag", decision.tag)
        case .kick(let connection, let generation):
            add("conn", connection); add("generation", generation)
        case .setRules(let connection, let generation, let rules):
            add("conn", connection); add("generation", generation); add("rules", rules)
        case .publish(let topic, let payload):
            add("topic", topic); add("payload", payload)
        }
        return lines
    }
}
