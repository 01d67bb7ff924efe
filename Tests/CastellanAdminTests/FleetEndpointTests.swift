import CastellanAdmin
import CastellanAuth
import CastellanCA
import CastellanStore
import Crypto
import Foundation
import Testing
import X509

/// `/v1/devices` and `/v1/certificates` on a real service: its SQLite store from `castellan init`
/// and a real CA, through the admin socket. Serialized: each test runs a whole service, and ten
/// at once on a small machine starve the broker end-to-end tests' plugin deadlines.
@Suite(.serialized) struct FleetEndpointTests {
    @Test func devices_areAdded_listed_andShown() async throws {
        let harness = try await AdminHarness()
        let added = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert+totp", "groups": ["lab"]}"#)
        #expect(added.status == 201)
        #expect(try added.object()["policy"] as? String == "cert+totp")
        #expect(try await harness.store().device(try DeviceID("dev1"))?.groups.map(\.rawValue) == ["lab"])
        let list = try await harness.client.request(.GET, "/v1/devices")
        #expect(list.status == 200)
        #expect(try list.array().compactMap { $0["id"] as? String } == ["dev1"])
        let shown = try await harness.client.request(.GET, "/v1/devices/dev1")
        #expect(shown.status == 200)
        let details = try shown.object()
        #expect((details["device"] as? [String: Any])?["id"] as? String == "dev1")
        #expect((details["certificates"] as? [Any])?.isEmpty == true)
        try await harness.stop()
    }

    @Test func addingADevice_refusesBadBodies_andAnExistingId_changingNothing() async throws {
        let harness = try await AdminHarness()
        #expect(try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert"}"#).status == 201)
        let refusals: [(body: String, status: Int, says: String)] = [
            (#"{"id": "dev1", "policy": "scram"}"#, 409, "already exists"),
            (#"{"id": "dev2", "policy": "cert""#, 400, "not valid JSON"),
            (#"{"id": "dev2", "policy": "cert", "owner": "me"}"#, 400, "unknown field `owner`"),
            (#"{"policy": "cert"}"#, 400, "missing `id`"),
            (#"{"id": 7, "policy": "cert"}"#, 400, "`id` must be a string"),
            (#"{"id": "dev2", "policy": "cert", "groups": "lab"}"#, 400, "`groups` must be an array of strings"),
            (#"{"id": "dev2", "policy": "magic"}"#, 400, "unknown policy"),
            (#"{"id": "bad id/#", "policy": "cert"}"#, 400, "invalid device id"),
            (#"["dev2"]"#, 400, "must be a JSON object"),
            ("", 400, "missing `id`"),
        ]
        for refusal in refusals {
            let response = try await harness.client.post("/v1/devices", refusal.body)
            #expect(response.status == refusal.status, "\(refusal.body)")
            #expect((try response.object()["error"] as? String ?? "").contains(refusal.says), "\(refusal.body): \(response.text)")
        }
        let devices = try await harness.store().devices()
        #expect(devices.map(\.id.rawValue) == ["dev1"])
        #expect(devices.first?.policy.name == "cert")
        try await harness.stop()
    }

    @Test func disableAndEnable_changeTheStore_andUnknownDevicesAre404() async throws {
        let harness = try await AdminHarness()
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert"}"#)
        let device = try DeviceID("dev1")
        let disabled = try await harness.client.post("/v1/devices/dev1/disable", "")
        #expect(disabled.status == 200)
        #expect(try disabled.object()["enabled"] as? Bool == false)
        #expect(try await harness.store().device(device)?.enabled == false)
        #expect(try await harness.client.post("/v1/devices/dev1/enable", #"{"now": true}"#).status == 400)
        let notJSON = try await harness.client.post("/v1/devices/dev1/enable", "yes")
        #expect(notJSON.status == 400)
        #expect((try notJSON.object()["error"] as? String ?? "").contains("expected no body or {}"))
        #expect(try await harness.store().device(device)?.enabled == false)
        #expect(try await harness.client.post("/v1/devices/dev1/enable", "{}").status == 200)
        #expect(try await harness.store().device(device)?.enabled == true)
        for (method, path, body) in [("GET", "/v1/devices/ghost", nil), ("POST", "/v1/devices/ghost/disable", ""),
                                     ("POST", "/v1/devices/ghost/enable", ""),
                                     ("POST", "/v1/devices/ghost/certificates", #"{"generate": {}}"#),
                                     ("POST", "/v1/devices/ghost/totp", "{}")] as [(String, String, String?)] {
            let response = method == "GET" ? try await harness.client.request(.GET, path) : try await harness.client.post(path, body ?? "")
            #expect(response.status == 404, "\(path)")
        }
        // The path's id is percent-decoded: an encoded `:` is reachable, an encoded `/` or space is refused.
        #expect(try await harness.client.request(.GET, "/v1/devices/a%2Fb").status == 400)
        #expect(try await harness.client.request(.GET, "/v1/devices/a%zz").status == 400)
        #expect(try await harness.client.request(.GET, "/v1/devices/dev%202").status == 400)
        #expect(try await harness.client.post("/v1/devices", #"{"id": "dev 2", "policy": "cert"}"#).status == 400)
        #expect(try await harness.client.post("/v1/devices", #"{"id": "site:dev-2", "policy": "cert"}"#).status == 201)
        #expect(try await harness.client.request(.GET, "/v1/devices/site%3Adev-2").status == 200)
        #expect(try await harness.store().devices().count == 2)
        try await harness.stop()
    }

    @Test func aCertificateFromACSR_verifiesAgainstTheCA_andIsRecorded() async throws {
        let harness = try await AdminHarness()
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert"}"#)
        let key = P256.Signing.PrivateKey()
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName("dev1") }, privateKey: .init(key),
            attributes: CertificateSigningRequest.Attributes(), signatureAlgorithm: .ecdsaWithSHA256)
        let pem = try csr.serializeAsPEM().pemString
        let body = String(decoding: try JSONEncoder().encode(["csr": pem]), as: UTF8.self)
        let response = try await harness.client.post("/v1/devices/dev1/certificates", body)
        #expect(response.status == 201, "\(response.text)")
        let answer = try response.object()
        #expect(answer["privateKey"] == nil)
        let certificate = try Certificate(pemEncoded: try #require(answer["certificate"] as? String))
        let ca = try CertificateAuthority.load(from: harness.configuration.caDirectory)
        #expect(certificate.issuer == ca.certificate.subject)
        #expect(ca.certificate.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(certificate.publicKey == Certificate.PublicKey(key.publicKey))
        let serial = try #require(answer["serial"] as? String)
        #expect(serial == certificate.serialNumber.hexString)
        let record = try #require(try await harness.store().certificate(serial: serial))
        #expect(record.device.rawValue == "dev1")
        #expect(record.fingerprint.description == answer["fingerprint"] as? String)
        #expect(record.notAfter == answer["notAfter"] as? Int64 ?? (answer["notAfter"] as? Int).map(Int64.init))
        try await harness.stop()
    }

    @Test func aGeneratedKey_comesBackOnce_withItsCertificate() async throws {
        let harness = try await AdminHarness()
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert"}"#)
        let response = try await harness.client.post("/v1/devices/dev1/certificates", #"{"generate": {"validityDays": 30}}"#)
        #expect(response.status == 201, "\(response.text)")
        let answer = try response.object()
        let key = try Certificate.PrivateKey(pemEncoded: try #require(answer["privateKey"] as? String))
        let certificate = try Certificate(pemEncoded: try #require(answer["certificate"] as? String))
        #expect(certificate.publicKey == key.publicKey)
        #expect(try await harness.store().certificates(device: try DeviceID("dev1")).count == 1)
        try await harness.stop()
    }

    @Test func badCertificateRequests_areRefused_andRecordNothing() async throws {
        let harness = try await AdminHarness()
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert"}"#)
        let refusals: [(body: String, says: String)] = [
            (#"{"csr": "not a PEM"}"#, "`csr` is not a PEM certificate signing request"),
            (#"{"csr": "x", "generate": {}}"#, "not both"),
            ("{}", "missing `csr` or `generate`"),
            (#"{"generate": {"keyType": "rsa"}}"#, "unknown field `generate.keyType`"),
            (#"{"generate": {}, "validityDays": 30}"#, "inside it"),
            (#"{"generate": {"validityDays": 0}}"#, "validity must be 1 to 3650 days"),
            (#"{"generate": {"validityDays": "long"}}"#, "`generate.validityDays` must be a whole number"),
            (#"{"generate": true}"#, "`generate` must be an object"),
            ("{generate}", "not valid JSON"),
        ]
        for refusal in refusals {
            let response = try await harness.client.post("/v1/devices/dev1/certificates", refusal.body)
            #expect(response.status == 400, "\(refusal.body)")
            #expect((try response.object()["error"] as? String ?? "").contains(refusal.says), "\(refusal.body): \(response.text)")
        }
        #expect(try await harness.store().certificates(device: try DeviceID("dev1")).isEmpty)
        try await harness.stop()
    }

    @Test func revoking_showsInTheStore_andBadRevocationsChangeNothing() async throws {
        let harness = try await AdminHarness()
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert"}"#)
        let issued = try await harness.client.post("/v1/devices/dev1/certificates", #"{"generate": {}}"#)
        let serial = try #require(try issued.object()["serial"] as? String)
        let path = "/v1/certificates/\(serial)/revoke"
        #expect(try await harness.client.post(path, #"{"reason": "because"}"#).status == 400)
        #expect(try await harness.client.post(path, #"{"reason": "keyCompromise", "at": 0}"#).status == 400)
        #expect(try await harness.client.post(path, #"{"reason": 1}"#).status == 400)
        #expect(try await harness.store().certificate(serial: serial)?.isRevoked == false)
        #expect(try await harness.client.post("/v1/certificates/00ff/revoke", "{}").status == 404)
        let revoked = try await harness.client.post(path, #"{"reason": "keyCompromise"}"#)
        #expect(revoked.status == 200, "\(revoked.text)")
        #expect(try revoked.object()["revocationReason"] as? String == "keyCompromise")
        let record = try #require(try await harness.store().certificate(serial: serial))
        #expect(record.isRevoked)
        #expect(record.revocationReason == "keyCompromise")
        try await harness.stop()
    }

    @Test func totpEnrolment_answersLikeTheCLI_andRefusesBadBodies() async throws {
        let harness = try await AdminHarness()
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "scram+totp"}"#)
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev2", "policy": "cert"}"#)
        let device = try DeviceID("dev1")
        for (body, says) in [(#"{"digits": 7}"#, "`digits` must be 6 or 8"), (#"{"period": 0}"#, "`period` must be"),
                             (#"{"algorithm": "MD5"}"#, "`algorithm` must be"), (#"{"secret": "AAAA"}"#, "unknown field `secret`"),
                             (#"{"digits": "6"}"#, "`digits` must be a whole number")] {
            let response = try await harness.client.post("/v1/devices/dev1/totp", body)
            #expect(response.status == 400, "\(body)")
            #expect((try response.object()["error"] as? String ?? "").contains(says), "\(body): \(response.text)")
        }
        #expect(try await harness.store().totpEnrolment(device: device) == nil)
        #expect(try await harness.client.post("/v1/devices/dev2/totp", "{}").status == 409)
        let response = try await harness.client.post("/v1/devices/dev1/totp", #"{"algorithm": "SHA256", "digits": 8, "period": 60}"#)
        #expect(response.status == 200, "\(response.text)")
        let answer = try response.object()
        #expect(Set(answer.keys) == ["uri", "secret", "algorithm", "digits", "period"])
        #expect(answer["algorithm"] as? String == "SHA256" && answer["digits"] as? Int == 8 && answer["period"] as? Int == 60)
        let uri = try OTPAuthURI(parsing: try #require(answer["uri"] as? String))
        let stored = try #require(try await harness.store().totpEnrolment(device: device))
        #expect(stored.totp.secret.base32 == answer["secret"] as? String)
        #expect(uri.totp.secret.base32 == stored.totp.secret.base32)
        try await harness.stop()
    }

    static let routes: [(method: String, path: String, body: String?)] = [
        ("GET", "/v1/devices", nil), ("POST", "/v1/devices", #"{"id": "dev9", "policy": "cert"}"#),
        ("GET", "/v1/devices/dev1", nil), ("POST", "/v1/devices/dev1/disable", ""), ("POST", "/v1/devices/dev1/enable", ""),
        ("POST", "/v1/devices/dev1/certificates", #"{"generate": {}}"#),
        ("POST", "/v1/certificates/00ff/revoke", "{}"), ("POST", "/v1/devices/dev1/totp", "{}"),
    ]

    @Test func everyFleetRoute_withoutTheToken_answers401_andChangesNothing() async throws {
        let harness = try await AdminHarness()
        _ = try await harness.client.post("/v1/devices", #"{"id": "dev1", "policy": "cert+totp"}"#)
        for authorization in [nil, "Bearer wrong"] as [String?] {
            let client = harness.client(authorization: authorization)
            for route in Self.routes {
                let response = route.method == "GET" ? try await client.request(.GET, route.path) : try await client.post(route.path, route.body ?? "")
                #expect(response.status == 401, "\(route.path)")
            }
        }
        let store = try await harness.store()
        #expect(try await store.devices().map(\.id.rawValue) == ["dev1"])
        #expect(try await store.device(try DeviceID("dev1"))?.enabled == true)
        #expect(try await store.certificates(device: try DeviceID("dev1")).isEmpty)
        #expect(try await store.totpEnrolment(device: try DeviceID("dev1")) == nil)
        try await harness.stop()
    }

    @Test func withoutAFleet_everyRouteAnswers503_sayingWhy() async throws {
        let harness = try await AdminHarness(fleet: false)
        for route in Self.routes {
            let response = route.method == "GET" ? try await harness.client.request(.GET, route.path) : try await harness.client.post(route.path, route.body ?? "")
            #expect(response.status == 503, "\(route.path)")
            #expect((try response.object()["error"] as? String ?? "").contains("device management is not available"))
        }
        try await harness.stop()
    }
}

extension AdminHarness {
    /// The service's own store, to check what the routes changed.
    func store() async throws -> any CredentialStore { server.context.store }
}

extension AdminClient {
    /// POST with `body` as it is.
    func post(_ path: String, _ body: String) async throws -> Response {
        try await request(.POST, path, json: Array(body.utf8))
    }
}

extension AdminClient.Response {
    /// The body as a JSON object.
    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw AdminTestFailure("not a JSON object: \(text)")
        }
        return object
    }

    /// The body as a JSON array of objects.
    func array() throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw AdminTestFailure("not a JSON array: \(text)")
        }
        return array
    }
}
