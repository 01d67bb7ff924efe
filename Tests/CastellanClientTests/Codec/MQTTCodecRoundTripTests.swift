import Testing
@testable import CastellanClient

@Suite("MQTT codec round trips")
struct MQTTCodecRoundTripTests {
    @Test("every packet type survives encode then decode unchanged", arguments: MQTTProtocolVersion.allCases)
    func everyPacketType_roundTrips(version: MQTTProtocolVersion) throws {
        let decoder = MQTTPacketDecoder(version: version)
        for packet in SamplePackets.all(version) {
            let bytes = try packet.encode(version: version)
            #expect(try decoder.decodePacket(bytes) == packet, "\(packet.name)")
        }
    }

    @Test("the samples cover every packet type this client speaks")
    func samples_coverEveryPacketType() {
        let types = Set(SamplePackets.all(.v5).map(\.typeCode))
        #expect(types == [1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15])
    }

    @Test("a PINGREQ is the two bytes C0 00")
    func pingreq_isTwoBytes() throws {
        #expect(try MQTTPacket.pingreq.encode(version: .v5) == [0xC0, 0x00])
    }

    @Test("a 3.1.1 CONNECT matches the bytes the specification shows")
    func connect311_matchesKnownBytes() throws {
        let packet = MQTTPacket.connect(MQTTConnect(protocolVersion: .v3_1_1, clientID: "c", keepAlive: 60))
        #expect(try packet.encode(version: .v3_1_1) == [0x10, 13, 0, 4, 0x4D, 0x51, 0x54, 0x54, 4, 0x02, 0, 60, 0, 1, 0x63])
    }

    @Test("short-form v5 acknowledgements decode with success and no properties")
    func shortForms_decode() throws {
        let decoder = MQTTPacketDecoder(version: .v5)
        #expect(try decoder.decodePacket([0x40, 2, 0, 5]) == .puback(MQTTPubAck(packetIdentifier: 5)))
        #expect(try decoder.decodePacket([0xE0, 0]) == .disconnect(MQTTDisconnect()))
        #expect(try decoder.decodePacket([0xF0, 0]) == .auth(MQTTAuth(reasonCode: .success)))
        #expect(try decoder.decodePacket([0xE0, 1, 0x8E]) == .disconnect(MQTTDisconnect(reasonCode: .sessionTakenOver)))
    }

    @Test("a large payload uses a multi-byte remaining length and round-trips")
    func largePayload_roundTrips() throws {
        let packet = MQTTPacket.publish(MQTTPublish(topic: "t", payload: Array(repeating: 7, count: 200_000)))
        let bytes = try packet.encode(version: .v5)
        #expect(bytes[1] & 0x80 != 0 && bytes[2] & 0x80 != 0)
        #expect(try MQTTPacketDecoder(version: .v5).decodePacket(bytes) == packet)
    }

    @Test("a packet split anywhere decodes only once it is whole")
    func splitPacket_waitsForTheRest() throws {
        let bytes = try SamplePackets.all(.v5)[0].encode(version: .v5)
        let decoder = MQTTPacketDecoder(version: .v5)
        for cut in 0..<bytes.count {
            #expect(try decoder.decode(bytes[..<cut]) == nil)
        }
        #expect(try decoder.decode(bytes[...])?.byteCount == bytes.count)
    }

    @Test("the CONNECT description never shows the password")
    func connectDescription_redactsPassword() {
        let connect = MQTTConnect(clientID: "c", username: "u", password: Array("s3cret-pw".utf8))
        #expect(!"\(connect)".contains("s3cret"))
        #expect(!String(reflecting: connect).contains("s3cret"))
    }
}
