import CastellanAuth
import CastellanFleet
import CastellanStore
import Foundation
import Hummingbird

extension AdminAPI {
    /// Device and certificate management, the same operations as `castellan device|cert|totp`
    /// (see docs/admin-api.md): every route parses its body strictly and answers 400 for bad
    /// input, 404 for an unknown device or serial, 409 for an existing id or a state that forbids
    /// the operation, and 503 while this API was given no ``Hooks/fleet``.
    func addFleetRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/devices") { [self] _, _ in
            try await fleet { try Self.json(try await $0.devices()) }
        }
        router.post("/v1/devices") { [self] request, _ in
            try await fleet { fleet in
                let body = try AddDeviceBody.parse(try await Self.bytes(request))
                let device = try Fleet.NewDevice(id: body.id, policy: body.policy, groups: body.groups, clientID: body.clientID)
                let record = try await fleet.addDevice(device)
                logger.notice("device added", metadata: ["device": "\(record.id)", "policy": "\(record.policy)"])
                return try Self.json(DeviceSummary(record), status: .created)
            }
        }
        router.get("/v1/devices/:id") { [self] _, context in
            try await fleet { try Self.json(try await $0.details(try Self.device(context))) }
        }
        for (verb, enabled) in [("enable", true), ("disable", false)] {
            router.post("/v1/devices/:id/\(verb)") { [self] request, context in
                try await fleet { fleet in
                    let device = try Self.device(context)
                    _ = try EmptyBody.parse(try await Self.bytes(request))
                    let summary = try await fleet.setEnabled(enabled, device: device)
                    logger.notice("device \(verb)d", metadata: ["device": "\(device)"])
                    return try Self.json(summary)
                }
            }
        }
        router.delete("/v1/devices/:id") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                _ = try EmptyBody.parse(try await Self.bytes(request))
                try await fleet.removeDevice(device)
                logger.notice("device removed", metadata: ["device": "\(device)"])
                return Response(status: .noContent)
            }
        }
        router.post("/v1/devices/:id/unlock") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                _ = try EmptyBody.parse(try await Self.bytes(request))
                try await fleet.unlock(device)
                logger.notice("device unlocked", metadata: ["device": "\(device)"])
                return Response(status: .noContent)
            }
        }
        router.put("/v1/devices/:id/groups") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                let body = try GroupsBody.parse(try await Self.bytes(request))
                let summary = try await fleet.setGroups(body.groups, device: device)
                logger.notice("device groups set", metadata: ["device": "\(device)"])
                return try Self.json(summary)
            }
        }
        router.put("/v1/devices/:id/client-id") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                let body = try ClientIDBody.parse(try await Self.bytes(request))
                let summary = try await fleet.setClientID(body.clientID, device: device)
                logger.notice("device client id set", metadata: ["device": "\(device)", "clientID": "\(body.clientID?.rawValue ?? "-")"])
                return try Self.json(summary)
            }
        }
        router.put("/v1/devices/:id/password") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                // The body holds the password: it is never logged.
                let body = try PasswordBody.parse(try await Self.bytes(request))
                try await fleet.setPassword(body.password, device: device)
                logger.notice("password set", metadata: ["device": "\(device)"])
                return Response(status: .noContent)
            }
        }
        router.delete("/v1/devices/:id/totp") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                _ = try EmptyBody.parse(try await Self.bytes(request))
                try await fleet.removeTOTP(device)
                logger.notice("TOTP removed", metadata: ["device": "\(device)"])
                return Response(status: .noContent)
            }
        }
        router.get("/v1/rules") { [self] request, _ in
            try await fleet { fleet in
                var scope: ACLScope?
                if let device = request.uri.queryParameters.get("device") { scope = .device(try Fleet.deviceID(device)) }
                if let group = request.uri.queryParameters.get("group") {
                    guard scope == nil else { throw FleetError(.invalid, "give at most one of `device` and `group`") }
                    scope = .group(try Fleet.group(group))
                }
                return try Self.json(try await fleet.rules(scope: scope))
            }
        }
        router.post("/v1/rules") { [self] request, _ in
            try await fleet { fleet in
                let body = try AddRuleBody.parse(try await Self.bytes(request))
                let rule = try await fleet.addRule(body.rule, scope: body.scope)
                logger.notice("rule added", metadata: ["rule": "\(rule.id)"])
                return try Self.json(rule, status: .created)
            }
        }
        router.delete("/v1/rules/:rule") { [self] request, context in
            try await fleet { fleet in
                guard let text = context.parameters.get("rule"), text.allSatisfy({ $0.isASCII && $0.isNumber }), let id = Int64(text) else {
                    throw FleetError(.invalid, "the rule id must be a whole number")
                }
                _ = try EmptyBody.parse(try await Self.bytes(request))
                try await fleet.removeRule(id: id)
                logger.notice("rule removed", metadata: ["rule": "\(id)"])
                return Response(status: .noContent)
            }
        }
        router.post("/v1/key/rotate") { [self] request, _ in
            try await fleet { fleet in
                _ = try EmptyBody.parse(try await Self.bytes(request))
                try await fleet.rotateMasterKey()
                logger.notice("master key rotated")
                return Response(status: .noContent)
            }
        }
        router.get("/v1/crl") { [self] _, _ in
            try await fleet { fleet in
                let (pem, _) = try await fleet.revocationList()
                var headers = HTTPFields()
                headers[.contentType] = "application/pkix-crl"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: pem)))
            }
        }
        router.get("/v1/changes") { [self] request, _ in
            try await fleet { fleet in
                let after = request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? 0
                let limit = min(max(request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100, 1), 1000)
                return try Self.json(try await fleet.store.changes(after: after, limit: limit))
            }
        }
        router.post("/v1/devices/:id/certificates") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                let body = try IssueCertificateBody.parse(try await Self.bytes(request))
                // The answer may hold the device's generated private key: only the serial is logged.
                let issued = try await fleet.issueCertificate(for: device, key: body.key, validityDays: body.validityDays)
                logger.notice("certificate issued", metadata: ["device": "\(device)", "serial": "\(issued.serial)"])
                return try Self.json(issued, status: .created)
            }
        }
        router.post("/v1/certificates/:serial/revoke") { [self] request, context in
            try await fleet { fleet in
                let serial = context.parameters.get("serial") ?? ""
                let body = try RevokeBody.parse(try await Self.bytes(request))
                let revoked = try await fleet.revoke(.serial(serial), reason: body.reason)
                logger.notice("certificate revoked", metadata: ["serial": "\(serial)", "reason": "\(body.reason)"])
                guard let record = revoked.first else { throw FleetError(.notFound, "no certificate \(serial)") }
                return try Self.json(CertificateSummary(record))
            }
        }
        router.post("/v1/devices/:id/enrol-token") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                let body = try EnrolTokenBody.parse(try await Self.bytes(request))
                // The answer holds the token: it is shown to the caller once and never logged.
                let token = try await fleet.createEnrolmentToken(for: device, lifetime: body.lifetime)
                logger.notice("enrolment token made", metadata: ["device": "\(device)", "expires": "\(token.expires)"])
                return try Self.json(token, status: .created)
            }
        }
        router.post("/v1/devices/:id/totp") { [self] request, context in
            try await fleet { fleet in
                let device = try Self.device(context)
                let body = try EnrollTOTPBody.parse(try await Self.bytes(request))
                // The answer holds the new secret: it is shown to the caller once and never logged.
                let enrolment = try await fleet.enrollTOTP(device, choice: body.choice)
                logger.notice("TOTP enrolled", metadata: ["device": "\(device)"])
                return try Self.json(enrolment)
            }
        }
    }

    /// Runs `body` with the fleet, turning its refusals into `{"error": "..."}` responses.
    ///
    /// Anything else (the store unreachable, a corrupt record) is a 500 whose message is the
    /// error's own: store and CA errors never carry a secret.
    private func fleet(_ body: (Fleet) async throws -> Response) async throws -> Response {
        guard let fleet = hooks.fleet else {
            return Self.problem("device management is not available: this service gave the admin API no store and CA",
                                status: .serviceUnavailable)
        }
        do {
            return try await body(fleet)
        } catch let error as FleetError {
            return Self.problem(error.message, status: Self.status(error.kind))
        } catch {
            logger.error("fleet request failed", metadata: ["error": "\(error)"])
            return Self.problem("internal error: \(error)", status: .internalServerError)
        }
    }

    /// The HTTP status of a refusal.
    static func status(_ kind: FleetError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .usage, .invalid: .badRequest
        case .unauthorized: .unauthorized
        case .notFound: .notFound
        case .conflict: .conflict
        case .unavailable: .serviceUnavailable
        }
    }

    /// The `:id` path parameter as a device id, percent-decoded (ids may hold spaces and any
    /// non-ASCII letter); 400 if it is not validly encoded or breaks the identity rules.
    private static func device(_ context: BasicRequestContext) throws(FleetError) -> DeviceID {
        guard let id = (context.parameters.get("id") ?? "").removingPercentEncoding else {
            throw FleetError(.invalid, "the device id in the path is not validly percent-encoded")
        }
        return try Fleet.deviceID(id)
    }

    /// The request body; bodies are small JSON objects (a CSR is a few kB), so 64 kB is plenty.
    private static func bytes(_ request: Request) async throws -> [UInt8] {
        do {
            return Array(buffer: try await request.body.collect(upTo: 64 * 1024))
        } catch {
            throw FleetError(.invalid, "the body is larger than 64 kB")
        }
    }
}
