import Hummingbird

extension AdminAPI {
    /// Serves the web observer's page, style sheet and script (``ObserverPage``).
    ///
    /// `BearerTokenMiddleware` lets exactly these three `GET`s through without the token.
    /// The Content-Security-Policy allows only this origin's script, style and requests, so
    /// even an event detail that slipped past the page's text-only rendering could not run.
    static func addObserverRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in observerResponse(ObserverPage.html, contentType: "text/html; charset=utf-8") }
        router.get("/observer.css") { _, _ in observerResponse(ObserverPage.css, contentType: "text/css; charset=utf-8") }
        router.get("/observer.js") { _, _ in
            observerResponse(ObserverPage.javascript, contentType: "text/javascript; charset=utf-8")
        }
    }

    private static func observerResponse(_ body: String, contentType: String) -> Response {
        var response = text(body, contentType: contentType)
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        // No Referer leaves the page (the token is in the fragment, which a Referer never carries anyway).
        if let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy") { response.headers[referrerPolicy] = "no-referrer" }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-cache"
        return response
    }
}
