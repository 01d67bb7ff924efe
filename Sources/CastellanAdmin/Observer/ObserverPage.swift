import CastellanStore
import Foundation

/// The web observer: a static page, served at `GET /` of the admin listener, that shows the
/// live supervision tree, restart counters (each restart flashes), recent events and auth
/// decisions per second.
///
/// Why static and self-contained: the page is three string literals (``html``, ``css``,
/// ``javascript``) compiled into the binary — no SwiftPM resources, no CDN, no build step —
/// so the one executable is all an operator deploys. The page holds no data and no secret,
/// which is why it alone is served without the admin token (``publicPaths``); it reads the
/// token from the URL fragment (never sent to a server, never logged) and sends it as
/// `Authorization: Bearer` on every data request.
public enum ObserverPage {
    /// The only paths served without the admin token, and only for `GET`/`HEAD`.
    static let publicPaths: Set<String> = ["/", "/observer.css", "/observer.js"]

    /// The URL that opens the observer for a service listening on `listen`, with `token` in
    /// the fragment; nil for a Unix-socket listener, which a browser cannot reach.
    ///
    /// The token is percent-encoded, so any token file content survives the URL.
    public static func url(listen: AdminListen, token: AdminToken) -> String? {
        guard case .http(let port) = listen else { return nil }
        let secret = String(token.authorizationHeader.dropFirst("Bearer ".count))
        let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
        return "http://127.0.0.1:\(port)/#token=\(encoded)"
    }
}
