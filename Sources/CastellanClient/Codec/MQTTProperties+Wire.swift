extension MQTTProperties {
    /// Property identifiers and the contexts that allow them.
    private static let allowed: [UInt8: Set<MQTTPropertyContext>] = [
        0x01: [.publish, .will], 0x02: [.publish, .will], 0x03: [.publish, .will],
        0x08: [.publish, .will], 0x09: [.publish, .will], 0x0B: [.publish, .subscribe],
        0x11: [.connect, .connack, .disconnect], 0x12: [.connack], 0x13: [.connack],
        0x15: [.connect, .connack, .auth], 0x16: [.connect, .connack, .auth], 0x17: [.connect],
        0x18: [.will], 0x19: [.connect], 0x1A: [.connack], 0x1C: [.connack, .disconnect],
        0x1F: [.connack, .puback, .suback, .unsuback, .disconnect, .auth],
        0x21: [.connect, .connack], 0x22: [.connect, .connack], 0x23: [.publish], 0x24: [.connack],
        0x25: [.connack], 0x26: Set(MQTTPropertyContext.allCases), 0x27: [.connect, .connack],
        0x28: [.connack], 0x29: [.connack], 0x2A: [.connack],
    ]

    /// Reads a property block: its length, then the properties, strictly.
    static func decode(from reader: inout MQTTByteReader, context: MQTTPropertyContext) throws(MQTTCodecError) -> Self {
        let length = try reader.variableInteger()
        var block = MQTTByteReader(try reader.bytes(length))
        var properties = MQTTProperties()
        var seen = Set<UInt8>()
        while !block.isAtEnd {
            // Identifiers are variable byte integers; every defined one fits in one byte.
            let identifier = try block.variableInteger()
            guard identifier <= 0x7F, let contexts = allowed[UInt8(identifier)] else {
                throw .invalidProperty("unknown property identifier \(identifier)")
            }
            let id = UInt8(identifier)
            guard contexts.contains(context) else {
                throw .invalidProperty("property \(id) not allowed in \(context)")
            }
            let repeatable = id == 0x26 || (id == 0x0B && context == .publish)
            guard repeatable || seen.insert(id).inserted else { throw .duplicateProperty("property \(id) appears twice") }
            try properties.read(id, from: &block)
        }
        return properties
    }

    private mutating func read(_ id: UInt8, from reader: inout MQTTByteReader) throws(MQTTCodecError) {
        func flag() throws(MQTTCodecError) -> UInt8 {
            let value = try reader.byte()
            guard value <= 1 else { throw .invalidProperty("property \(id) must be 0 or 1") }
            return value
        }
        func nonZero16() throws(MQTTCodecError) -> UInt16 {
            let value = try reader.uint16()
            guard value != 0 else { throw .invalidProperty("property \(id) must not be 0") }
            return value
        }
        switch id {
        case 0x01: payloadFormatIndicator = try flag()
        case 0x02: messageExpiryInterval = try reader.uint32()
        case 0x03: contentType = try reader.string()
        case 0x08: responseTopic = try reader.string()
        case 0x09: correlationData = try reader.binary()
        case 0x0B:
            let value = try reader.variableInteger()
            guard value != 0 else { throw .invalidProperty("subscription identifier 0") }
            subscriptionIdentifiers.append(value)
        case 0x11: sessionExpiryInterval = try reader.uint32()
        case 0x12: assignedClientIdentifier = try reader.string()
        case 0x13: serverKeepAlive = try reader.uint16()
        case 0x15: authenticationMethod = try reader.string()
        case 0x16: authenticationData = try reader.binary()
        case 0x17: requestProblemInformation = try flag()
        case 0x18: willDelayInterval = try reader.uint32()
        case 0x19: requestResponseInformation = try flag()
        case 0x1A: responseInformation = try reader.string()
        case 0x1C: serverReference = try reader.string()
        case 0x1F: reasonString = try reader.string()
        case 0x21: receiveMaximum = try nonZero16()
        case 0x22: topicAliasMaximum = try reader.uint16()
        case 0x23: topicAlias = try nonZero16()
        case 0x24: maximumQoS = try flag()
        case 0x25: retainAvailable = try flag() == 1
        case 0x26: userProperties.append(MQTTUserProperty(name: try reader.string(), value: try reader.string()))
        case 0x27:
            let value = try reader.uint32()
            guard value != 0 else { throw .invalidProperty("maximum packet size 0") }
            maximumPacketSize = value
        case 0x28: wildcardSubscriptionAvailable = try flag() == 1
        case 0x29: subscriptionIdentifiersAvailable = try flag() == 1
        case 0x2A: sharedSubscriptionAvailable = try flag() == 1
        default: throw .invalidProperty("unknown property identifier \(id)")
        }
    }

    /// Writes the property block (length, then properties), refusing any not allowed in `context`.
    func encode(into writer: inout MQTTByteWriter, context: MQTTPropertyContext) throws(MQTTCodecError) {
        var block = MQTTByteWriter()
        func check(_ id: UInt8) throws(MQTTCodecError) {
            guard Self.allowed[id]?.contains(context) == true else {
                throw .invalidProperty("property \(id) not allowed in \(context)")
            }
            block.byte(id)
        }
        if let value = payloadFormatIndicator { try check(0x01); block.byte(value) }
        if let value = messageExpiryInterval { try check(0x02); block.uint32(value) }
        if let value = contentType { try check(0x03); try block.string(value) }
        if let value = responseTopic { try check(0x08); try block.string(value) }
        if let value = correlationData { try check(0x09); try block.binary(value) }
        if context != .publish && subscriptionIdentifiers.count > 1 {
            throw .duplicateProperty("several subscription identifiers outside PUBLISH")
        }
        for value in subscriptionIdentifiers {
            guard value != 0 else { throw .invalidProperty("subscription identifier 0") }
            try check(0x0B)
            try block.variableInteger(value)
        }
        if let value = sessionExpiryInterval { try check(0x11); block.uint32(value) }
        if let value = assignedClientIdentifier { try check(0x12); try block.string(value) }
        if let value = serverKeepAlive { try check(0x13); block.uint16(value) }
        if let value = authenticationMethod { try check(0x15); try block.string(value) }
        if let value = authenticationData { try check(0x16); try block.binary(value) }
        if let value = requestProblemInformation { try check(0x17); block.byte(value) }
        if let value = willDelayInterval { try check(0x18); block.uint32(value) }
        if let value = requestResponseInformation { try check(0x19); block.byte(value) }
        if let value = responseInformation { try check(0x1A); try block.string(value) }
        if let value = serverReference { try check(0x1C); try block.string(value) }
        if let value = reasonString { try check(0x1F); try block.string(value) }
        if let value = receiveMaximum { try check(0x21); block.uint16(value) }
        if let value = topicAliasMaximum { try check(0x22); block.uint16(value) }
        if let value = topicAlias { try check(0x23); block.uint16(value) }
        if let value = maximumQoS { try check(0x24); block.byte(value) }
        if let value = retainAvailable { try check(0x25); block.byte(value ? 1 : 0) }
        for pair in userProperties {
            try check(0x26)
            try block.string(pair.name)
            try block.string(pair.value)
        }
        if let value = maximumPacketSize { try check(0x27); block.uint32(value) }
        if let value = wildcardSubscriptionAvailable { try check(0x28); block.byte(value ? 1 : 0) }
        if let value = subscriptionIdentifiersAvailable { try check(0x29); block.byte(value ? 1 : 0) }
        if let value = sharedSubscriptionAvailable { try check(0x2A); block.byte(value ? 1 : 0) }
        try writer.variableInteger(block.bytes.count)
        writer.append(block.bytes)
    }
}
