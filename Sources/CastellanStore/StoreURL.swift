/// Which backend a store URL names: `sqlite:PATH` or `postgres://…`.
///
/// A relative SQLite path is resolved against a base folder (the configuration file's), so
/// every command finds the same database from any working directory.
public enum StoreURL: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite database file (absolute path after resolution).
    case sqlite(path: String)
    /// A PostgreSQL connection URL (not built yet: opening it is refused).
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
            self = .postgres(url: text)
        } else {
            throw .invalidStoreURL("expected sqlite:PATH or postgres://…")
        }
    }

    /// `sqlite:PATH`, or `postgres://…` with any password replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            // postgres://user:password@host/db → hide the password.
            guard let at = url.firstIndex(of: "@"), let schemeEnd = url.range(of: "://") else { return url }
            let credentials = url[schemeEnd.upperBound..<at]
            guard let colon = credentials.firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
    }
}
