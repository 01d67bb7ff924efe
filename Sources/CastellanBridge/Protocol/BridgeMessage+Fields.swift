/// The field layout of each message type: the one place that knows it, for both directions.
extension BridgeMessage {
    var typeCode: UInt8 {
        switch self {
        case .hello: 0x01
        case .ping: 0x02
        case .basicAuth: 0x03
        case .extAuth: 0x04
        case .disconnect: 0x05
        case .sessions: 0x06
        case .helloAck: 0x81
        case .pong: 0x82
        case .decision: 0x83
        case .kick: 0x90
        case .setRules: 0x91
        case .publish: 0x92
        }
    }

    func encodeFields(into writer: inout FrameWriter) {
        switch self {
        case .hello(let version, let brokerID):
            writer.u16(version)
            writer.string(brokerID)
        case .ping, .pong:
            break
        case .basicAuth(let request):
            writer.u64(request.connection)
            writer.u64(request.generation)
            writer.u8(request.protocolLevel.rawValue)
            writer.string(request.address)
            writer.u16(request.listenerPort)
            writer.optionalBytes(request.clientID)
            writer.optionalBytes(request.username)
            writer.optionalBytes(request.password)
            writer.bytes(request.certificate)
        case .extAuth(let request):
            writer.u64(request.connection)
            writer.u64(request.generation)
            writer.u8(request.protocolLevel.rawValue)
            writer.u8(request.step.rawValue)
            writer.string(request.address)
            writer.u16(request.listenerPort)
            writer.string(request.method)
            writer.optionalBytes(request.clientID)
            writer.optionalBytes(request.username)
            writer.bytes(request.data)
            writer.bytes(request.certificate)
        case .disconnect(let connection, let generation):
            writer.u64(connection)
            writer.u64(generation)
        case .sessions(let report):
            writer.u8(report.last ? 1 : 0)
            writer.u32(UInt32(report.connections.count))
            for live in report.connections {
                writer.u64(live.connection)
                writer.u64(live.generation)
                writer.bytes(live.clientID)
                writer.bytes(live.tag)
            }
        case .helloAck(let version):
            writer.u16(version)
        case .decision(let decision):
            writer.u8(decision.result.rawValue)
            writer.u64(decision.generation)
            writer.string(decision.username)
            writer.bytes(decision.rules)
            writer.bytes(decision.data)
            writer.bytes(decision.tag)
        case .kick(let connection, let generation):
            writer.u64(connection)
            writer.u64(generation)
        case .setRules(let connection, let generation, let rules):
            writer.u64(connection)
            writer.u64(generation)
            writer.bytes(rules)
        case .publish(let topic, let payload):
            writer.string(topic)
            writer.bytes(payload)
        }
    }

    static func decodeFields(type: UInt8, from reader: inout FrameReader, direction: BridgeDirection) throws(BridgeFrameError) -> BridgeMessage {
        switch (direction, type) {
        case (.plugin, 0x01):
            return .hello(version: try reader.u16(), brokerID: try reader.string("broker_id"))
        case (.plugin, 0x02):
            return .ping
        case (.plugin, 0x03):
            let connection = try reader.u64()
            let generation = try reader.u64()
            let level = try protocolLevel(&reader)
            return .basicAuth(BasicAuthRequest(
                connection: connection, generation: generation, protocolLevel: level, address: try reader.string("address"),
                listenerPort: try reader.u16(), clientID: try reader.optionalBytes(), username: try reader.optionalBytes(),
                password: try reader.optionalBytes(), certificate: try reader.bytes("certificate")))
        case (.plugin, 0x04):
            let connection = try reader.u64()
            let generation = try reader.u64()
            let level = try protocolLevel(&reader)
            let stepByte = try reader.u8()
            guard let step = ExtAuthRequest.Step(rawValue: stepByte) else { throw .badValue(field: "step", stepByte) }
            return .extAuth(ExtAuthRequest(
                connection: connection, generation: generation, protocolLevel: level, step: step, address: try reader.string("address"),
                listenerPort: try reader.u16(), method: try reader.string("method"), clientID: try reader.optionalBytes(),
                username: try reader.optionalBytes(), data: try reader.bytes("data"),
                certificate: try reader.bytes("certificate")))
        case (.plugin, 0x05):
            return .disconnect(connection: try reader.u64(), generation: try reader.u64())
        case (.plugin, 0x06):
            let lastByte = try reader.u8()
            guard lastByte <= 1 else { throw .badValue(field: "last", lastByte) }
            let count = try reader.u32()
            // Each entry takes at least 24 bytes: a count the body cannot hold is refused before
            // anything is reserved for it.
            guard Int(count) <= reader.remaining / 24 else { throw .truncated }
            var connections: [LiveConnection] = []
            connections.reserveCapacity(Int(count))
            for _ in 0..<count {
                let live = LiveConnection(connection: try reader.u64(), generation: try reader.u64(),
                                          clientID: try reader.bytes("client_id"), tag: try reader.bytes("tag"))
                guard live.tag.count <= BridgeDecision.maxTagLength else { throw .tooLong(field: "tag", live.tag.count) }
                connections.append(live)
            }
            return .sessions(SessionReport(last: lastByte == 1, connections: connections))
        case (.service, 0x81):
            return .helloAck(version: try reader.u16())
        case (.service, 0x82):
            return .pong
        case (.service, 0x83):
            let resultByte = try reader.u8()
            guard let result = BridgeDecision.Result(rawValue: resultByte) else { throw .badValue(field: "result", resultByte) }
            let decision = BridgeDecision(result: result, generation: try reader.u64(), username: try reader.string("username"),
                                          rules: try reader.bytes("rules"), data: try reader.bytes("data"),
                                          tag: try reader.bytes("tag"))
            guard decision.tag.count <= BridgeDecision.maxTagLength else { throw .tooLong(field: "tag", decision.tag.count) }
            return .decision(decision)
        case (.service, 0x90):
            return .kick(connection: try reader.u64(), generation: try reader.u64())
        case (.service, 0x91):
            return .setRules(connection: try reader.u64(), generation: try reader.u64(), rules: try reader.bytes("rules"))
        case (.service, 0x92):
            return .publish(topic: try reader.string("topic"), payload: try reader.bytes("payload"))
        default:
            throw .unknownType(type, direction)
        }
    }

    private static func protocolLevel(_ reader: inout FrameReader) throws(BridgeFrameError) -> MQTTProtocolLevel {
        let byte = try reader.u8()
        guard let level = MQTTProtocolLevel(rawValue: byte) else { throw .badValue(field: "protocol", byte) }
        return level
    }
}
