/// Which backend a store URL names: `sqlite:PATH` or `postgres://…`.
///
/// A relative SQLite path is resolved against a base folder (the configuration file's), so
/// every command finds the same database from any working directory. A PostgreSQL URL is
/// checked when parsed (see ``PostgresURL`` for its forms, TCP and Unix socket) and kept as
/// written.
public enum StoreURL: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite database file (absolute path after resolution).
    case sqlite(path: String)
    /// A PostgreSQL connection URL, as written; ``PostgresURL`` is its parsed form.
    case postgres(url: String)

    /// Parses `text`; a relative SQLite path is taken relative to `baseDirectory`.
    public init(parsing text: String, relativeTo baseDirectory: String) throws(StoreError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .invalidStoreURL("sqlite: needs a file path, e.g. sqlite:castellan.db") }
            guard !path.hasPrefix("//") else { throw .invalidStoreURL("write sqlite:PATH, not sqlite://PATH") }
            guard !path.utf8.contains(0) else { throw .invalidStoreURL("path contains NUL") }
            self = .sqlite(path: PathResolution.resolve(path, relativeTo: baseDirectory))
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            _ = try PostgresURL(parsing: text)
            self = .postgres(url: text)
        } else {
            throw .invalidStoreURL("expected sqlite:PATH or postgres://…")
        }
    }

    /// `sqlite:PATH`, or `postgres://…` with any password (in the user part or a `password=`
    /// parameter) replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            return Self.redacted(url)
        }
    }

    /// postgres://user:password@host/db?password=… → both passwords hidden.
    private static func redacted(_ url: String) -> String {
        var url = url
        let query = url.firstIndex(of: "?")
        if let schemeEnd = url.range(of: "://"), let at = url[..<(query ?? url.endIndex)].lastIndex(of: "@") {
            let credentials = url[schemeEnd.upperBound..<at]
            if let colon = credentials.firstIndex(of: ":") {
                url = String(url[..<colon]) + ":***" + String(url[at...])
            }
        }
        guard let queryStart = url.firstIndex(of: "?") else { return url }
        let pairs = url[url.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.hasPrefix("password=") ? "password=***" : String(pair)
        }
        return String(url[...queryStart]) + pairs.joined(separator: "&")
    }
}
