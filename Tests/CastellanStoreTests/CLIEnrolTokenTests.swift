import CastellanAuth
import CastellanStore
import Foundation
import Testing

@Suite("CLI: device enrol-token")
struct CLIEnrolTokenTests {
    @Test func aToken_isPrintedOnce_storedAsADigest_andBadInputChangesNothing() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "cam1", "--policy", "cert"])
        let made = await fixture.run(["device", "enrol-token", "cam1", "--ttl", "2h"])
        #expect(made.status == 0)
        let token = made.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 43 && token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        let stored = try #require(try await fixture.openStore().enrolmentToken(device: DeviceID("cam1")))
        #expect(stored.expires - stored.created == 7_200)
        #expect(stored.digest.count == 32 && stored.digest != Array(token.utf8))

        let json = await fixture.run(["device", "enrol-token", "cam1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any]
        #expect(object["device"] as? String == "cam1")
        #expect((object["token"] as? String)?.count == 43 && object["token"] as? String != token)
        let replaced = try #require(try await fixture.openStore().enrolmentToken(device: DeviceID("cam1")))
        #expect(replaced.expires - replaced.created == 86_400, "the default is a day; a new token replaces the old")

        let badTTL = await fixture.run(["device", "enrol-token", "cam1", "--ttl", "45d"])
        #expect(badTTL.status == 2)
        #expect(badTTL.error.contains("--ttl"))
        let unknown = await fixture.run(["device", "enrol-token", "ghost"])
        #expect(unknown.status == 1)
        #expect(try await fixture.openStore().enrolmentToken(device: DeviceID("cam1")) == replaced)
    }
}
