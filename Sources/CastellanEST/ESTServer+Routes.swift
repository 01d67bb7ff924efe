import CastellanAuth
import CastellanCA
import CastellanFleet
import CastellanStore
import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import X509

extension ESTServer {
    /// The RFC 7030 paths under `/.well-known/est/`.
    func makeRouter() -> Router<ESTRequestContext> {
        let router = Router(context: ESTRequestContext.self)
        router.get("/.well-known/est/cacerts") { [self] _, _ in
            await answer("cacerts") { () async throws(ESTRefusal) in try certsOnly(try caCertificate()) }
        }
        router.get("/.well-known/est/csrattrs") { [self] _, _ in
            // RFC 7030 §4.5.2: no attributes required — the CSR rules are in docs/provisioning.md.
            await answer("csrattrs") { () async throws(ESTRefusal) in Response(status: .noContent) }
        }
        router.post("/.well-known/est/simpleenroll") { [self] request, context in
            await answer("simpleenroll") { () async throws(ESTRefusal) in
                try admit(context)
                let (device, token) = try basicCredentials(request)
                let csr = try await signingRequest(request)
                let issue = try await fleetAction {
                    try await ChangeActor.$current.withValue("est:\(device)") {
                        try await fleet.enrol(device, token: token, csr: csr, validityDays: settings.validityDays)
                    }
                }
                logger.notice("EST enrolment", metadata: ["device": "\(device)", "serial": "\(issue.serial)"])
                return try certsOnly(issue.issued.certificate)
            }
        }
        router.post("/.well-known/est/simplereenroll") { [self] request, context in
            await answer("simplereenroll") { () async throws(ESTRefusal) in
                try admit(context)
                let (device, current) = try await renewingDevice(context)
                let csr = try await signingRequest(request)
                let issue = try await fleetAction {
                    try await ChangeActor.$current.withValue("est:\(device)") {
                        try await fleet.reenrol(device, current: current, csr: csr, allowSameKey: settings.allowSameKey,
                                                validityDays: settings.validityDays)
                    }
                }
                logger.notice("EST renewal", metadata: ["device": "\(device)", "serial": "\(issue.serial)"])
                return try certsOnly(issue.issued.certificate)
            }
        }
        return router
    }

    /// Runs `body`, turning a refusal into its status with a one-line text body, and counts the answer.
    private func answer(_ operation: String, _ body: () async throws(ESTRefusal) -> Response) async -> Response {
        let response: Response
        do throws(ESTRefusal) {
            response = try await body()
        } catch {
            if error.status != .tooManyRequests {
                logger.notice("EST request refused", metadata: ["operation": "\(operation)", "status": "\(error.status.code)",
                                                                "reason": "\(error.message)"])
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            if error.status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"castellan-est\"" }
            if error.status == .tooManyRequests { headers[.retryAfter] = "1" }
            response = Response(status: error.status, headers: headers,
                                body: .init(byteBuffer: ByteBuffer(string: error.message + "\n")))
        }
        count(operation, response.status)
        return response
    }

    /// The connect rate limit, per peer address.
    private func admit(_ context: ESTRequestContext) throws(ESTRefusal) {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        guard admits(address) else { throw ESTRefusal(.tooManyRequests, "too many attempts from \(address); try again later") }
    }

    /// The CA certificate that signs device certificates.
    private func caCertificate() throws(ESTRefusal) -> Certificate {
        let file = fleet.caDirectory + "/ca.pem"
        guard let pem = try? String(contentsOfFile: file, encoding: .utf8), let certificate = try? Certificate(pemEncoded: pem) else {
            throw ESTRefusal(.serviceUnavailable, "the certificate authority is not set up (no readable \(file))")
        }
        return certificate
    }

    /// `Authorization: Basic` with the device id as user and the enrolment token as password.
    private func basicCredentials(_ request: Request) throws(ESTRefusal) -> (DeviceID, String) {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else {
            throw ESTRefusal(.unauthorized, "enrolment needs HTTP Basic authentication: the device id and its enrolment token")
        }
        // An id that breaks the identity rules is refused like an unknown one: no hint which ids exist.
        guard let device = try? DeviceID(String(text[..<colon])) else {
            throw ESTRefusal(.unauthorized, "the enrolment token is not valid for this device")
        }
        return (device, String(text[text.index(after: colon)...]))
    }

    /// The device a renewal comes from: its TLS client certificate, checked as a broker connect
    /// checks it (chains to the CA, in validity, a device certificate, recorded and unrevoked).
    private func renewingDevice(_ context: ESTRequestContext) async throws(ESTRefusal) -> (DeviceID, Certificate) {
        let presented: NIOSSLCertificate?
        do { presented = try await context.channel.nioSSL_peerCertificate().get() } catch {
            throw ESTRefusal(.internalServerError, "cannot read the TLS session: \(error)")
        }
        guard let presented, let der = try? presented.toDERBytes(), let certificate = try? Certificate(derEncoded: der) else {
            throw ESTRefusal(.forbidden, "renewal needs the device's current certificate as the TLS client certificate")
        }
        let store = fleet.store
        let verifier = DeviceCertificateVerifier(
            configuration: DeviceCertificateConfiguration(trustRoots: [try caCertificate()]),
            revocation: RevocationCheck { serial, fingerprint in
                // As at connect: a certificate the store does not know is refused too.
                guard let record = try await store.certificate(serial: serial.hexString) else { return true }
                return record.isRevoked || record.fingerprint != fingerprint
            })
        let decision: CertificateDecision
        do { decision = try await verifier.verify(derEncoded: der, at: Date(timeIntervalSince1970: TimeInterval(fleet.now()))) } catch {
            throw ESTRefusal(.serviceUnavailable, "cannot check revocation now: \(error)")
        }
        switch decision {
        case .verified(let identity): return (identity.deviceID, certificate)
        case .denied(let reason): throw ESTRefusal(.forbidden, "the client certificate is refused: \(reason)")
        }
    }

    /// The request's PKCS#10 CSR: base64 DER as RFC 7030 §4.2.1 says (line breaks allowed), or PEM.
    private func signingRequest(_ request: Request) async throws(ESTRefusal) -> CertificateSigningRequest {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxBody) } catch {
            throw ESTRefusal(.contentTooLarge, "the CSR is larger than \(Self.maxBody) bytes")
        }
        let text = String(buffer: body)
        if text.contains("-----BEGIN"), let csr = try? CertificateSigningRequest(pemEncoded: text) { return csr }
        let base64 = text.filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: base64), let csr = try? CertificateSigningRequest(derEncoded: Array(der)) else {
            throw ESTRefusal(.badRequest, "the body is not a base64 PKCS#10 certificate signing request")
        }
        return csr
    }

    /// CSRs are a few hundred bytes; an RSA-4096 one stays well under this.
    static let maxBody = 16 * 1024

    /// Runs a fleet operation, turning its refusals into EST statuses.
    private func fleetAction<T>(_ body: () async throws -> T) async throws(ESTRefusal) -> T {
        do {
            return try await body()
        } catch let error as FleetError {
            switch error.kind {
            case .usage, .invalid: throw ESTRefusal(.badRequest, error.message)
            case .unauthorized: throw ESTRefusal(.unauthorized, error.message)
            case .notFound, .conflict: throw ESTRefusal(.forbidden, error.message)
            case .unavailable: throw ESTRefusal(.serviceUnavailable, error.message)
            }
        } catch {
            logger.error("EST request failed", metadata: ["error": "\(error)"])
            throw ESTRefusal(.internalServerError, "internal error")
        }
    }

    /// `application/pkcs7-mime; smime-type=certs-only`, base64 (RFC 7030 §4.1.3, §4.2.3).
    private func certsOnly(_ certificate: Certificate) throws(ESTRefusal) -> Response {
        let der: [UInt8]
        do { der = try CertsOnlyPKCS7.encode([certificate]) } catch {
            throw ESTRefusal(.internalServerError, "cannot encode the answer: \(error)")
        }
        let headers: HTTPFields = [
            .contentType: "application/pkcs7-mime; smime-type=certs-only",
            HTTPFields.Element.Name("Content-Transfer-Encoding")!: "base64",
        ]
        let text = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]) + "\n"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
