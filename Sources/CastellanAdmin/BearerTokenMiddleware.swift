import CastellanStore
import Hummingbird

/// Refuses every request without the admin token: 401 with `WWW-Authenticate: Bearer`.
///
/// The response says only that a token is needed, never which part was wrong. The one
/// Changes a request makes are logged as the token's (``ChangeActor``, `admin:NAME`). The one
/// exception is the web observer's static page (``ObserverPage/publicPaths``, `GET`/`HEAD`
/// only): it holds no data and no secret, and a browser cannot send a header to load it.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AdminToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .get || request.method == .head, ObserverPage.publicPaths.contains(request.uri.path) {
            return try await next(request, context)
        }
        guard token.authorizes(request.headers[.authorization]) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            headers[.contentType] = "application/json"
            return Response(status: .unauthorized, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":\"a valid admin bearer token is required\"}")))
        }
        return try await ChangeActor.$current.withValue("admin:\(token.name)") { try await next(request, context) }
    }
}
