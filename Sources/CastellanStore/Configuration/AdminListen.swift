/// Where the admin API listens: a Unix socket, or HTTP on the loopback interface only.
public enum AdminListen: Sendable, Hashable, CustomStringConvertible {
    /// `unix:PATH` (absolute after resolution against the configuration's folder).
    case unix(path: String)
    /// `http://127.0.0.1:PORT`.
    case http(port: Int)

    /// Parses `unix:PATH` or `http://127.0.0.1:PORT` (also `http://localhost:PORT`, `http://[::1]:PORT`);
    /// any other host is refused, so the admin API is never exposed to the network by a typo.
    init?(parsing text: String, relativeTo base: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unix(path: PathResolution.resolve(path, relativeTo: base))
            return
        }
        for prefix in ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"] where text.hasPrefix(prefix) {
            let digits = text.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let port = Int(digits), (1...65535).contains(port) else { return nil }
            self = .http(port: port)
            return
        }
        return nil
    }

    /// The listen address as it would be written.
    public var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .http(let port): "http://127.0.0.1:\(port)"
        }
    }
}
