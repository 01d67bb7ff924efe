import Testing
@testable import CastellanClient

@Suite("MQTT codec refuses malformed input")
struct MQTTCodecStrictnessTests {
    let v5 = MQTTPacketDecoder(version: .v5)
    let v311 = MQTTPacketDecoder(version: .v3_1_1)

    private func code(_ decoder: MQTTPacketDecoder, _ bytes: [UInt8]) -> MQTTCodecError.Code? {
        do {
            _ = try decoder.decodePacket(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("a remaining length of five bytes is a malformed variable byte integer")
    func fiveByteLength_isRefused() {
        #expect(code(v5, [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) == .malformedVariableByteInteger)
    }

    @Test("a packet over the maximum size is refused from its header alone")
    func oversizedPacket_isRefusedEarly() {
        let decoder = MQTTPacketDecoder(version: .v5, maximumPacketSize: 100)
        #expect(throws: MQTTCodecError.self) { try decoder.decode([0x30, 0xFF, 0x01][...]) }
    }

    @Test("a string holding NUL or invalid UTF-8 is refused")
    func badStrings_areRefused() {
        #expect(code(v5, [0x30, 5, 0, 3, 0x61, 0x00, 0x62]) == .invalidUTF8)
        #expect(code(v5, [0x30, 5, 0, 2, 0xC3, 0x28, 0]) == .invalidUTF8)
        #expect(code(v5, [0x30, 5, 0, 3, 0xED, 0xA0, 0x80]) == .invalidUTF8)
    }

    @Test("a property not allowed in the packet is refused")
    func misplacedProperty_isRefused() {
        // PUBACK with Assigned Client Identifier (a CONNACK-only property).
        #expect(code(v5, [0x40, 8, 0, 1, 0x00, 4, 0x12, 0, 1, 0x61]) == .invalidProperty)
    }

    @Test("a property given twice is refused, a repeated user property is not")
    func duplicateProperty_isRefused() throws {
        // CONNACK with Reason String twice.
        #expect(code(v5, [0x20, 11, 0, 0, 8, 0x1F, 0, 1, 0x61, 0x1F, 0, 1, 0x62]) == .duplicateProperty)
        var properties = MQTTProperties()
        properties.userProperties = [MQTTUserProperty(name: "k", value: "1"), MQTTUserProperty(name: "k", value: "2")]
        let packet = MQTTPacket.connack(MQTTConnAck(properties: properties))
        #expect(try v5.decodePacket(try packet.encode(version: .v5)) == packet)
    }

    @Test("an unknown property identifier is refused")
    func unknownProperty_isRefused() {
        #expect(code(v5, [0x20, 5, 0, 0, 2, 0x7E, 0]) == .invalidProperty)
    }

    @Test("wrong fixed-header flags are refused")
    func badFlags_areRefused() {
        #expect(code(v5, [0xC1, 0]) == .invalidFlags)
        #expect(code(v5, [0x80, 6, 0, 1, 0, 0, 1, 0x61]) == .invalidFlags)
        #expect(code(v5, [0x36, 3, 0, 1, 0x61]) == .invalidFlags)  // QoS 3
    }

    @Test("packet identifier zero and QoS 2 flows are refused")
    func protocolViolations_areRefused() {
        #expect(code(v5, [0x40, 2, 0, 0]) == .protocolViolation)
        #expect(code(v5, [0x50, 2, 0, 1]) == .unsupportedPacketType)
        #expect(code(v5, [0x00, 0]) == .unsupportedPacketType)
    }

    @Test("reason codes outside the packet's set are refused")
    func unknownReasonCodes_areRefused() {
        #expect(code(v5, [0xF0, 1, 0x42]) == .invalidReasonCode)
        #expect(code(v311, [0x20, 2, 0, 6]) == .invalidReasonCode)
        #expect(code(v5, [0x20, 3, 0, 0x18, 0]) == .invalidReasonCode)
    }

    @Test("AUTH is refused on a 3.1.1 connection")
    func auth_isRefusedOn311() {
        #expect(code(v311, [0xF0, 0]) == .unsupportedPacketType)
    }

    @Test("trailing bytes after a PINGRESP are refused")
    func trailingBytes_areRefused() {
        #expect(code(v5, [0xD0, 1, 0]) == .protocolViolation)
    }

    @Test("a property block longer than its packet is truncated")
    func overlongPropertyBlock_isTruncated() {
        #expect(code(v5, [0x20, 3, 0, 0, 9]) == .truncated)
    }

    @Test("encoding refuses properties that do not belong, and any property on 3.1.1")
    func encoding_refusesMisplacedProperties() {
        var properties = MQTTProperties()
        properties.assignedClientIdentifier = "x"
        #expect(throws: MQTTCodecError.self) {
            try MQTTPacket.puback(MQTTPubAck(packetIdentifier: 1, properties: properties)).encode(version: .v5)
        }
        #expect(throws: MQTTCodecError.self) {
            try MQTTPacket.connack(MQTTConnAck(properties: properties)).encode(version: .v3_1_1)
        }
    }
}
