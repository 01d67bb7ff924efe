import CastellanAdmin
import CastellanAuth
import CastellanStore
import Foundation
import Testing

/// The admin API offers every fleet mutation the CLI has, and logs each as the token's.
@Suite(.serialized) struct FleetMutationEndpointTests {
    @Test func everyMutation_isOffered_andLoggedWithTheTokensName() async throws {
        let harness = try await AdminHarness()
        let store = try await harness.store()
        let start = try await store.latestChangeID()
        let device = try DeviceID("pump1")
        #expect(try await harness.client.post("/v1/devices", #"{"id": "pump1", "policy": "password+totp"}"#).status == 201)

        #expect(try await harness.client.request(.PUT, "/v1/devices/pump1/password", json: Array(#"{"password": "pw-pw-pw-pw"}"#.utf8)).status == 204)
        #expect(try await store.scramCredential(device: device) != nil)
        #expect(try await harness.client.post("/v1/devices/pump1/totp", "{}").status == 200)
        #expect(try await harness.client.request(.DELETE, "/v1/devices/pump1/totp").status == 204)
        #expect(try await store.totpEnrolment(device: device) == nil)
        #expect(try await harness.client.request(.DELETE, "/v1/devices/pump1/totp").status == 404)

        let groups = try await harness.client.request(.PUT, "/v1/devices/pump1/groups", json: Array(#"{"groups": ["line1"]}"#.utf8))
        #expect(groups.status == 200)
        #expect(try groups.object()["groups"] as? [String] == ["line1"])

        let rule = try await harness.client.post("/v1/rules", #"{"group": "line1", "effect": "allow", "access": "publish", "pattern": "line1/#"}"#)
        #expect(rule.status == 201)
        let ruleID = try #require(try rule.object()["id"] as? Int)
        #expect(try await harness.client.request(.GET, "/v1/rules?group=line1").array().count == 1)
        #expect(try await harness.client.post("/v1/rules", #"{"effect": "allow", "access": "publish", "pattern": "x"}"#).status == 400)
        #expect(try await harness.client.request(.DELETE, "/v1/rules/\(ruleID)").status == 204)
        #expect(try await harness.client.request(.DELETE, "/v1/rules/\(ruleID)").status == 404)

        #expect(try await harness.client.post("/v1/devices/pump1/unlock", "").status == 204)
        #expect(try await harness.client.request(.DELETE, "/v1/devices/pump1").status == 204)
        #expect(try await store.device(device) == nil)
        #expect(try await harness.client.request(.DELETE, "/v1/devices/pump1").status == 404)

        let log = try await harness.client.request(.GET, "/v1/changes?after=\(start)").array()
        #expect(log.compactMap { $0["kind"] as? String } == [
            "device.added", "credential.secret", "credential.totp", "credential.totp", "device.groups",
            "rules.group", "rules.group", "device.unlocked", "device.removed",
        ])
        #expect(log.allSatisfy { ($0["actor"] as? String)?.hasPrefix("admin:") == true })
        try await harness.stop()
    }

    @Test func aBoundClientID_isSetAndClearedOverTheAPI_andBadOrTakenOnesAreRefused() async throws {
        let harness = try await AdminHarness()
        let store = try await harness.store()
        let start = try await store.latestChangeID()
        let added = try await harness.client.post("/v1/devices", #"{"id": "gw4", "policy": "password", "clientID": "gw4-ctl"}"#)
        #expect(added.status == 201)
        #expect(try added.object()["clientID"] as? String == "gw4-ctl")
        #expect(try await harness.client.post("/v1/devices", #"{"id": "gw5", "policy": "password"}"#).status == 201)

        let put = { (device: String, body: String) in
            try await harness.client.request(.PUT, "/v1/devices/\(device)/client-id", json: Array(body.utf8))
        }
        let changed = try await put("gw4", #"{"clientID": "gw4-ctl-2"}"#)
        #expect(changed.status == 200)
        #expect(try changed.object()["clientID"] as? String == "gw4-ctl-2")
        #expect(try await put("gw5", #"{"clientID": "gw4-ctl-2"}"#).status == 409)
        #expect(try await put("gw5", #"{"clientID": "a/b"}"#).status == 400)
        #expect(try await put("gw5", "{}").status == 400, "an empty body never clears a binding")
        #expect(try await put("nobody", #"{"clientID": null}"#).status == 404)
        let cleared = try await put("gw4", #"{"clientID": null}"#)
        #expect(cleared.status == 200)
        #expect(try cleared.object()["clientID"] == nil)
        #expect(try await store.device(DeviceID("gw4"))?.clientID == nil)

        let log = try await harness.client.request(.GET, "/v1/changes?after=\(start)").array()
        #expect(log.compactMap { $0["kind"] as? String } == ["device.added", "device.added", "device.clientid", "device.clientid"])
        try await harness.stop()
    }

    @Test func anEnrolmentToken_isMadeOnce_perRequest_andLoggedWithTheTokensName() async throws {
        let harness = try await AdminHarness()
        let store = try await harness.store()
        let start = try await store.latestChangeID()
        #expect(try await harness.client.post("/v1/devices", #"{"id": "cam1", "policy": "cert"}"#).status == 201)
        let made = try await harness.client.post("/v1/devices/cam1/enrol-token", #"{"ttl": "2h"}"#)
        #expect(made.status == 201)
        let object = try made.object()
        #expect((object["token"] as? String)?.count == 43)
        let stored = try #require(try await store.enrolmentToken(device: DeviceID("cam1")))
        #expect(stored.expires - stored.created == 7_200)
        #expect(try await harness.client.post("/v1/devices/cam1/enrol-token", "").status == 201)
        #expect(try await harness.client.post("/v1/devices/cam1/enrol-token", #"{"ttl": "1y"}"#).status == 400)
        #expect(try await harness.client.post("/v1/devices/cam1/enrol-token", #"{"ttl": "1h", "x": 1}"#).status == 400)
        #expect(try await harness.client.post("/v1/devices/ghost/enrol-token", "{}").status == 404)
        let log = try await harness.client.request(.GET, "/v1/changes?after=\(start)").array()
        #expect(log.compactMap { $0["kind"] as? String } == ["device.added", "enrolment.token", "enrolment.token"])
        #expect(log.allSatisfy { ($0["actor"] as? String)?.hasPrefix("admin:") == true })
        try await harness.stop()
    }
}
