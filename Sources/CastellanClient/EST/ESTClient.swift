import CastellanAuth
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import X509

/// A device's side of EST (RFC 7030): fetch the CA certificates, enrol with a one-time token,
/// renew with the current certificate — against Castellan's EST server or any other.
///
/// One HTTPS request per call, over SwiftNIO's HTTP/1.1 codec and TLS 1.2+; the server is
/// verified against ``tls``'s CA file. For a renewal, ``tls`` carries the current certificate
/// and key as the TLS client certificate.
public struct ESTClient: Sendable {
    /// The server's host and port, from the `https://HOST:PORT` URL.
    public let host: String
    public let port: Int
    /// Trust for the server and, for renewals, the client certificate.
    public let tls: MQTTTLSConfiguration
    /// How long one request may take, connection included.
    public var timeout: Duration = .seconds(30)

    /// A client for `url` (`https://HOST[:PORT][/.well-known/est]`, port 443 by default).
    public init(url: String, tls: MQTTTLSConfiguration) throws(ESTClientError) {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
              let host = components.host, !host.isEmpty,
              components.path.isEmpty || components.path == "/" || components.path.hasPrefix("/.well-known/est")
        else {
            throw ESTClientError("the EST URL must be https://HOST[:PORT], found '\(url)'")
        }
        self.host = host
        self.port = components.port ?? 443
        self.tls = tls
    }

    /// `GET /cacerts`: the CA certificates the server names.
    public func caCertificates() async throws(ESTClientError) -> [Certificate] {
        let answer = try await request(.GET, "cacerts", headers: [], body: nil)
        return try Self.certificates(answer, operation: "cacerts")
    }

    /// `POST /simpleenroll` with HTTP Basic `device:token`: the certificate issued for `csr`.
    public func enrol(csr: CertificateSigningRequest, device: String, token: String) async throws(ESTClientError) -> Certificate {
        let credentials = Data("\(device):\(token)".utf8).base64EncodedString()
        let answer = try await request(.POST, "simpleenroll", headers: [("Authorization", "Basic \(credentials)")], body: try Self.body(csr))
        return try Self.first(try Self.certificates(answer, operation: "simpleenroll"))
    }

    /// `POST /simplereenroll`, authenticated by ``tls``'s client certificate: the certificate issued for `csr`.
    public func reenrol(csr: CertificateSigningRequest) async throws(ESTClientError) -> Certificate {
        let answer = try await request(.POST, "simplereenroll", headers: [], body: try Self.body(csr))
        return try Self.first(try Self.certificates(answer, operation: "simplereenroll"))
    }

    /// The CSR as RFC 7030 §4.2.1 sends it: base64 DER.
    private static func body(_ csr: CertificateSigningRequest) throws(ESTClientError) -> [UInt8] {
        do {
            return Array(Data(try csr.serializeAsPEM().derBytes).base64EncodedString(options: .lineLength64Characters).utf8)
        } catch {
            throw ESTClientError("cannot encode the CSR: \(error)")
        }
    }

    /// The certificates of a `200` certs-only answer; anything else is an error naming the
    /// status and the server's message.
    private static func certificates(_ answer: (status: Int, body: [UInt8]), operation: String) throws(ESTClientError) -> [Certificate] {
        let text = String(decoding: answer.body, as: UTF8.self)
        guard answer.status == 200 else {
            throw ESTClientError("\(operation) refused (HTTP \(answer.status)): \(text.trimmingCharacters(in: .whitespacesAndNewlines))",
                                 status: answer.status)
        }
        guard let der = Data(base64Encoded: text.filter { !$0.isWhitespace }), let certificates = try? CertsOnlyPKCS7.decode(Array(der))
        else {
            throw ESTClientError("\(operation) answered something that is not a base64 certs-only PKCS#7 message")
        }
        return certificates
    }

    private static func first(_ certificates: [Certificate]) throws(ESTClientError) -> Certificate {
        guard let certificate = certificates.first else { throw ESTClientError("the answer holds no certificate") }
        return certificate
    }

    /// The largest answer read: a few certificates.
    static let maxAnswer = 256 * 1024

    /// One request on a fresh connection, `Connection: close`.
    private func request(_ method: HTTPMethod, _ operation: String, headers: [(String, String)], body: [UInt8]?)
        async throws(ESTClientError) -> (status: Int, body: [UInt8])
    {
        let context: NIOSSLContext
        do { context = try tls.makeContext() } catch { throw ESTClientError("TLS: \(error)") }
        let host = host, port = port
        // Numeric hosts get no SNI (RFC 6066 forbids it) and are verified against IP SANs.
        let serverHostname = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: "/.well-known/est/" + operation)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body {
            head.headers.add(name: "Content-Type", value: "application/pkcs10")
            head.headers.add(name: "Content-Transfer-Encoding", value: "base64")
            head.headers.add(name: "Content-Length", value: String(body.count))
        }
        let requestHead = head
        do {
            return try await withThrowingTaskGroup(of: (status: Int, body: [UInt8]).self) { group in
                group.addTask {
                    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .connectTimeout(.seconds(10))
                        .connect(host: host, port: port) { channel in
                            channel.eventLoop.makeCompletedFuture {
                                let sync = channel.pipeline.syncOperations
                                try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                                try sync.addHTTPClientHandlers()
                                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                            }
                        }
                    return try await channel.executeThenClose { inbound, outbound in
                        try await outbound.write(.head(requestHead))
                        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                        try await outbound.write(.end(nil))
                        var status = 0
                        var answer: [UInt8] = []
                        for try await part in inbound {
                            switch part {
                            case .head(let head): status = Int(head.status.code)
                            case .body(let buffer):
                                answer += buffer.readableBytesView
                                guard answer.count <= Self.maxAnswer else { throw ESTClientError("the answer is larger than \(Self.maxAnswer) bytes") }
                            case .end: return (status, answer)
                            }
                        }
                        throw ESTClientError("the server closed the connection before its answer ended")
                    }
                }
                let timeout = timeout
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw ESTClientError("no answer within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw ESTClientError("no answer") }
                return first
            }
        } catch let error as ESTClientError {
            throw error
        } catch {
            throw ESTClientError("\(operation) at \(host):\(port) failed: \(error)")
        }
    }
}

/// Why an EST request failed: one line, and the HTTP status when the server answered.
public struct ESTClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// The server's HTTP status, when it refused; `nil` when it was not reached or not understood.
    public let status: Int?

    public init(_ message: String, status: Int? = nil) {
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
