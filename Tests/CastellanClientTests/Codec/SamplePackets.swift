@testable import CastellanClient

/// One packet of every type with most fields set, per version, for round trips and fuzz seeds.
enum SamplePackets {
    static func all(_ version: MQTTProtocolVersion) -> [MQTTPacket] {
        let v5 = version == .v5
        var connectProperties = MQTTProperties()
        var connackProperties = MQTTProperties()
        var publishProperties = MQTTProperties()
        var ackProperties = MQTTProperties()
        var subscribeProperties = MQTTProperties()
        var disconnectProperties = MQTTProperties()
        var willProperties = MQTTProperties()
        if v5 {
            connectProperties.sessionExpiryInterval = 120
            connectProperties.receiveMaximum = 20
            connectProperties.maximumPacketSize = 65536
            connectProperties.topicAliasMaximum = 10
            connectProperties.requestProblemInformation = 1
            connectProperties.authenticationMethod = "SCRAM-SHA-256"
            connectProperties.authenticationData = Array("n,,n=user,r=abc".utf8)
            connectProperties.userProperties = [MQTTUserProperty(name: "a", value: "1"), MQTTUserProperty(name: "a", value: "2")]
            connackProperties.assignedClientIdentifier = "auto-7"
            connackProperties.reasonString = "welcome"
            connackProperties.sessionExpiryInterval = 0
            connackProperties.receiveMaximum = 100
            connackProperties.topicAliasMaximum = 10
            connackProperties.maximumQoS = 1
            connackProperties.retainAvailable = true
            connackProperties.serverKeepAlive = 30
            connackProperties.wildcardSubscriptionAvailable = true
            connackProperties.subscriptionIdentifiersAvailable = false
            connackProperties.sharedSubscriptionAvailable = true
            connackProperties.authenticationData = Array("v=abc=".utf8)
            publishProperties.payloadFormatIndicator = 1
            publishProperties.messageExpiryInterval = 60
            publishProperties.contentType = "text/plain"
            publishProperties.responseTopic = "reply/here"
            publishProperties.correlationData = [1, 2, 3]
            publishProperties.subscriptionIdentifiers = [5, 300_000]
            publishProperties.topicAlias = 3
            ackProperties.reasonString = "fine"
            subscribeProperties.subscriptionIdentifiers = [42]
            disconnectProperties.reasonString = "bye"
            disconnectProperties.sessionExpiryInterval = 0
            willProperties.willDelayInterval = 5
            willProperties.contentType = "text/plain"
        }
        var packets: [MQTTPacket] = [
            .connect(MQTTConnect(
                protocolVersion: version, clientID: "device-1", cleanStart: true, keepAlive: 30, username: "user",
                password: Array("pencil".utf8),
                will: MQTTWill(topic: "dev/1/state", payload: Array("gone".utf8), qos: .atLeastOnce, retain: true, properties: willProperties),
                properties: connectProperties)),
            .connect(MQTTConnect(protocolVersion: version, clientID: "", cleanStart: true, keepAlive: 0)),
            .connack(MQTTConnAck(sessionPresent: true, reasonCode: .success, properties: connackProperties)),
            .connack(MQTTConnAck(sessionPresent: false, reasonCode: MQTTReasonCode(rawValue: v5 ? 0x87 : 5))),
            .publish(MQTTPublish(topic: "a/b", payload: Array("hello".utf8))),
            .publish(MQTTPublish(topic: "a/ü", payload: [], qos: .atLeastOnce, retain: true, duplicate: true,
                                 packetIdentifier: 7, properties: publishProperties)),
            .puback(MQTTPubAck(packetIdentifier: 7, reasonCode: v5 ? .noMatchingSubscribers : .success, properties: ackProperties)),
            .subscribe(MQTTSubscribe(packetIdentifier: 9, subscriptions: [
                MQTTSubscription(topicFilter: "a/+", qos: .atLeastOnce),
                MQTTSubscription(topicFilter: "#", qos: .atMostOnce, noLocal: v5, retainAsPublished: v5, retainHandling: v5 ? 2 : 0),
            ], properties: subscribeProperties)),
            .suback(MQTTSubAck(packetIdentifier: 9, reasonCodes: [.grantedQoS1, MQTTReasonCode(rawValue: 0x80)], properties: ackProperties)),
            .unsubscribe(MQTTUnsubscribe(packetIdentifier: 10, topicFilters: ["a/+", "#"])),
            .unsuback(MQTTUnsubAck(packetIdentifier: 10, reasonCodes: v5 ? [.success, .noSubscriptionExisted] : [],
                                   properties: v5 ? ackProperties : MQTTProperties())),
            .pingreq,
            .pingresp,
            .disconnect(v5 ? MQTTDisconnect(reasonCode: .administrativeAction, properties: disconnectProperties) : MQTTDisconnect()),
        ]
        if v5 {
            packets += [
                .auth(MQTTAuth(reasonCode: .continueAuthentication, method: "SCRAM-SHA-256", data: Array("r=abc,s=c2FsdA==,i=4096".utf8))),
                .auth(MQTTAuth(reasonCode: .reauthenticate, method: "SCRAM-SHA-512", data: nil)),
                .auth(MQTTAuth(reasonCode: .success)),
            ]
        }
        return packets
    }
}
