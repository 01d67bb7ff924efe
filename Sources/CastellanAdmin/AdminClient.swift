import CastellanStore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for the admin API, over its Unix socket or loopback TCP.
///
/// One connection per request (`Connection: close`): the CLI makes a handful of calls, and
/// a streamed response (`/v1/supervision/events`) holds its connection until the handler
/// says stop. Used by `castellan tree --watch`, `castellan events` and `castellan chaos kill`,
/// and by the tests, so both talk to the real listener.
public struct AdminClient: Sendable {
    /// A complete response.
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public let listen: AdminListen
    private let authorization: String?

    /// - Parameter authorization: the `Authorization` header to send (nil: none), e.g.
    ///   ``AdminToken/authorizationHeader``.
    public init(listen: AdminListen, authorization: String?) {
        self.listen = listen
        self.authorization = authorization
    }

    /// Sends a request with the admin token of `token`.
    public init(listen: AdminListen, token: AdminToken) {
        self.init(listen: listen, authorization: token.authorizationHeader)
    }

    /// Sends one request and reads the whole response (up to 16 MiB).
    public func request(_ method: HTTPMethod = .GET, _ path: String, json body: [UInt8]? = nil) async throws -> Response {
        var collected: [UInt8] = []
        let status = try await exchange(method, path, body: body) { chunk in
            guard collected.count + chunk.readableBytes <= 16 << 20 else {
                throw AdminError.response("the response to \(path) is larger than 16 MiB")
            }
            collected += chunk.readableBytesView
            return true
        }
        return Response(status: status, body: collected)
    }

    /// Follows the event stream: calls `handle` with each event's JSON (the `data:` line)
    /// until it returns false or the service ends the stream.
    ///
    /// - Throws: ``AdminError`` when the service refuses (e.g. 401).
    /// - Parameters:
    ///   - follow: false reads only the recent events and returns.
    ///   - replay: false skips the recent events and reads only new ones.
    public func events(follow: Bool = true, replay: Bool = true, _ handle: (String) async throws -> Bool) async throws {
        var parser = ServerSentEventParser()
        var refused: [UInt8] = []
        var status = 0
        let query = [follow ? nil : "follow=false", replay ? nil : "replay=false"].compactMap { $0 }.joined(separator: "&")
        let final = try await exchange(.GET, "/v1/supervision/events" + (query.isEmpty ? "" : "?" + query), body: nil,
                                       onHead: { status = $0 }) { chunk in
            guard status == 200 else {
                refused += chunk.readableBytesView
                return true
            }
            for message in parser.feed(Array(chunk.readableBytesView)) {
                if try await !handle(message.data) { return false }
            }
            return true
        }
        guard final == 200 else {
            throw AdminError.response("the service answered \(final): \(String(decoding: refused, as: UTF8.self))")
        }
    }

    /// Sends a request and passes the body on as it arrives; returns the status.
    ///
    /// `onBody` returning false closes the connection early.
    private func exchange(_ method: HTTPMethod, _ path: String, body: [UInt8]?, onHead: (Int) -> Void = { _ in },
                          onBody: (ByteBuffer) async throws -> Bool) async throws -> Int {
        let address: SocketAddress
        do {
            switch listen {
            case .unix(let path): address = try SocketAddress(unixDomainSocketPath: path)
            case .http(let port): address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
            }
        } catch {
            throw AdminError.request("bad admin address \(listen): \(error)")
        }
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(to: address) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw AdminError.request("cannot reach the admin API at \(listen) (is `castellan serve` running?): \(error)")
        }
        let authorization = authorization
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
            head.headers.add(name: "Host", value: "localhost")
            head.headers.add(name: "Connection", value: "close")
            if let authorization { head.headers.add(name: "Authorization", value: authorization) }
            if let body {
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Length", value: "\(body.count)")
            } else if method == .POST {
                head.headers.add(name: "Content-Length", value: "0")
            }
            // One write, one flush: the service may answer (401, 503) from the head alone and
            // close, and a body written after that would fail with "I/O on closed channel" though
            // the answer is there to read. Should the write still fail, the answer wins.
            var parts: [HTTPClientRequestPart] = [.head(head)]
            if let body { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            parts.append(.end(nil))
            var writeError: (any Error)?
            do { try await outbound.write(contentsOf: parts) } catch { writeError = error }
            var status = 0
            for try await part in inbound {
                switch part {
                case .head(let response):
                    status = Int(response.status.code)
                    onHead(status)
                case .body(let chunk):
                    if try await !onBody(chunk) { return status }
                case .end:
                    return status
                }
            }
            guard status != 0 else {
                if let writeError { throw writeError }
                throw AdminError.response("the admin API closed the connection without answering")
            }
            return status
        }
    }
}

/// Splits a `text/event-stream` body into messages (the subset the admin API writes).
///
/// Lines starting with `:` are comments; `event:` names a message; `data:` lines join with
/// newlines; a blank line ends a message. Handles messages split across chunks.
public struct ServerSentEventParser: Sendable {
    public struct Message: Sendable, Equatable {
        public var event: String
        public var data: String

        public init(event: String, data: String) {
            self.event = event
            self.data = data
        }
    }

    private var pending: [UInt8] = []
    private var event = ""
    private var data: [String] = []

    public init() {}

    /// The messages completed by `bytes`.
    public mutating func feed(_ bytes: [UInt8]) -> [Message] {
        pending += bytes
        var messages: [Message] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty {
                if !data.isEmpty { messages.append(Message(event: event, data: data.joined(separator: "\n"))) }
                event = ""
                data = []
            } else if line.hasPrefix(":") {
                continue
            } else if line.hasPrefix("event:") {
                event = String(line.dropFirst(6)).trimmingLeadingSpace
            } else if line.hasPrefix("data:") {
                data.append(String(line.dropFirst(5)).trimmingLeadingSpace)
            }
        }
        return messages
    }
}

extension String {
    fileprivate var trimmingLeadingSpace: String { hasPrefix(" ") ? String(dropFirst()) : self }
}
