import Foundation
import Hummingbird
import NIOCore
import Supervision

extension AdminAPI {
    /// The routes, all behind ``BearerTokenMiddleware``.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: BearerTokenMiddleware(token: token))
        Self.addObserverRoutes(to: router)
        router.get("/healthz") { _, _ in Self.text("ok\n") }
        router.get("/readyz") { [hooks] _, _ in
            hooks.isReady() ? Self.text("ready\n") : Self.text("not ready: the bridge socket is not listening\n", status: .serviceUnavailable)
        }
        router.get("/metrics") { [self] _, _ in
            Self.text(metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/v1/supervision/tree") { [tree] _, _ in
            let snapshot = await tree.snapshot()
            return try Self.json(snapshot)
        }
        router.get("/v1/supervision/events") { [self] request, _ in
            let query = request.uri.queryParameters
            return eventStream(follow: query.get("follow") != "false", replay: query.get("replay") != "false")
        }
        router.post("/v1/chaos/kill") { [self] request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let parsed: ChaosKillRequest
            do {
                parsed = try ChaosKillRequest(json: Array(buffer: body))
            } catch let error as ChaosRequestError {
                return Self.problem(error.message, status: .badRequest)
            }
            return try await chaosKill(parsed)
        }
        addFleetRoutes(to: router)
        return router
    }

    /// Server-Sent Events: the recent events first (unless `replay` is false), then live ones
    /// (unless `follow` is false).
    ///
    /// Each message is `event: NAME` and `data: JSON` (one line, the event's JSON encoding).
    /// The subscription is taken before the response starts, so nothing between the
    /// replay and the live events is lost.
    private func eventStream(follow: Bool, replay: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        if !follow {
            let recent = tree.environment.events.recent()
            return Response(status: .ok, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: recent.map(Self.message).joined())))
        }
        let source = tree.events(replay: replay)
        let streams = streams
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": castellan supervision events\n\n"))
            let relay = streams.open()
            defer { streams.close(relay.id) }
            // The pump runs in this group, so it ends with the response and never outlives it.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in source { relay.continuation.yield(event) }
                    relay.continuation.finish()
                }
                defer { group.cancelAll() }
                for await event in relay.stream { try await writer.write(ByteBuffer(string: Self.message(event))) }
            }
            try await writer.finish(nil)
        })
    }

    /// One SSE message for `event`.
    static func message(_ event: SupervisionEvent) -> String {
        "event: \(event.name)\ndata: \(AdminJSON.string(event))\n\n"
    }

    /// Kills what `request` names; 404 for an unknown path, 409 when too few workers run.
    private func chaosKill(_ request: ChaosKillRequest) async throws -> Response {
        let snapshot = await tree.snapshot()
        let targets: [String]
        switch request {
        case .path(let path):
            guard snapshot.node(at: path) != nil else { return Self.problem("no node at \(path)", status: .notFound) }
            targets = [path]
        case .random(let count, let under):
            let base = under ?? snapshot.path
            guard let node = snapshot.node(at: base) else { return Self.problem("no node at \(base)", status: .notFound) }
            let running = node.allNodes.filter { $0.kind == .worker && $0.state == .running }.map(\.path)
            guard running.count >= count else {
                return Self.problem("only \(running.count) running workers under \(base); nothing killed", status: .conflict)
            }
            targets = Array(running.shuffled().prefix(count))
        }
        var killed: [String] = []
        for path in targets {
            do {
                try await tree.kill(path: path)
                killed.append(path)
                logger.notice("chaos kill", metadata: ["path": "\(path)"])
            } catch {
                return try Self.json(KillResult(killed: killed, error: "\(path): \(error)"), status: .conflict)
            }
        }
        return try Self.json(KillResult(killed: killed, error: nil))
    }

    struct KillResult: Codable {
        var killed: [String]
        var error: String?
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try AdminJSON.encode(value))))
    }

    /// An error response: `{"error": "..."}`.
    static func problem(_ message: String, status: HTTPResponse.Status) -> Response {
        (try? json(["error": message], status: status)) ?? text(message + "\n", status: status)
    }
}

/// The admin API's JSON: sorted keys, slashes unescaped (paths stay readable).
public enum AdminJSON {
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// One line of JSON; `{}` if `value` cannot be encoded (events always can).
    public static func string(_ value: some Encodable) -> String {
        (try? encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
