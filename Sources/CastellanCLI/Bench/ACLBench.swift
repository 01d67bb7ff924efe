import CastellanAuth

/// ACL microbenchmarks for `castellan bench auth`: nanoseconds per decision on the per-message
/// path (a connection's resolved ``ClientACL``), target ≤ 200 ns.
enum ACLBench {
    static func run() throws -> [(name: String, value: Double, unit: String)] {
        let stored = try [
            ACLRule(effect: "allow", access: "subscribe", pattern: "fleet/+/status"),
            ACLRule(effect: "allow", access: "receive", pattern: "fleet/+/status"),
            ACLRule(effect: "deny", access: "publish", pattern: "devices/%u/config/#"),
            ACLRule(effect: "allow", access: "publish", pattern: "telemetry/%c/#"),
        ]
        let ruleSet = try ACLRuleSet.device(adding: stored)
        let acl = ruleSet.resolve(username: "sensor-0042", clientID: "sensor-0042")
        let publishTopic = "devices/sensor-0042/telemetry/temperature"
        let subscribeFilter = "$share/workers/devices/sensor-0042/cmd/#"
        let deniedTopic = "devices/sensor-0043/telemetry/temperature"

        return [
            ("acl_publish_allow_ns", nsPerCall { acl.check(topic: publishTopic, access: .publish) }, "ns"),
            ("acl_publish_deny_ns", nsPerCall { acl.check(topic: deniedTopic, access: .publish) }, "ns"),
            ("acl_subscribe_shared_ns", nsPerCall { acl.check(topic: subscribeFilter, access: .subscribe) }, "ns"),
            ("acl_resolve_and_check_ns", nsPerCall(iterations: 200_000) {
                ruleSet.check(topic: publishTopic, access: .publish, username: "sensor-0042", clientID: "sensor-0042")
            }, "ns"),
        ]
    }

    /// Mean time per call over `iterations`, after a warm-up; the result feeds a sink so the
    /// optimizer cannot drop the work.
    private static func nsPerCall(iterations: Int = 2_000_000, _ body: () -> Bool) -> Double {
        var sink = 0
        for _ in 0..<(iterations / 10) where body() { sink &+= 1 }
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<iterations where body() { sink &+= 1 }
        }
        blackHole(sink)
        let (seconds, attoseconds) = elapsed.components
        return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
    }

    @inline(never)
    private static func blackHole(_ value: Int) {
        if value == -1 { print(value) }
    }
}
