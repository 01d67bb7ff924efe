import Hummingbird

/// Refuses every request without the admin token: 401 with `WWW-Authenticate: Bearer`.
///
/// The response says only that a token is needed, never which part was wrong.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AdminToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard token.authorizes(request.headers[.authorization]) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            headers[.contentType] = "application/json"
            return Response(status: .unauthorized, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":\"a valid admin bearer token is required\"}")))
        }
        return try await next(request, context)
    }
}
