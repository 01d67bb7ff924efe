#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed `postgres://` store URL, in the libpq URI form operators already write.
///
/// - TCP: `postgres://user:password@host:5432/db?sslmode=require`
/// - Unix socket: `postgres://user@/db?host=/var/run/postgresql` — a `host` that starts with `/`
///   is the socket's folder and the socket is `FOLDER/.s.PGSQL.PORT`, exactly as with `psql`.
///   The folder may also stand percent-encoded in the host part (`postgres://user@%2Fvar%2Frun%2Fpostgresql/db`).
///
/// The user defaults to the effective system user and the database to the user name, as with
/// libpq. Query parameters are `host`, `port`, `sslmode` (`disable`, `prefer` — the default
/// over TCP — `require`, `verify-ca`, `verify-full`), `sslrootcert` (a PEM file of trusted CAs
/// for the two `verify-` modes) and `application_name`. Any other parameter is refused, so a
/// typo never silently weakens a connection. `prefer` and `require` encrypt without checking
/// the server's certificate (libpq's meaning); only `verify-full` also checks the host name.
public struct PostgresURL: Sendable, Hashable {
    /// How to reach the server.
    public enum Endpoint: Sendable, Hashable {
        /// TCP to a host name or address.
        case tcp(host: String, port: Int)
        /// A Unix socket: the folder holding it and the port in its name.
        case socket(directory: String, port: Int)

        /// The socket file of a ``socket(directory:port:)`` endpoint.
        public var socketPath: String? {
            guard case .socket(let directory, let port) = self else { return nil }
            let folder = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            return "\(folder)/.s.PGSQL.\(port)"
        }
    }

    /// libpq's `sslmode`, for TCP endpoints.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// The server.
    public var endpoint: Endpoint
    /// The role to log in as.
    public var user: String
    /// The password, if the URL has one.
    public var password: String?
    /// The database name.
    public var database: String
    /// TLS over TCP (ignored for a socket).
    public var tlsMode: TLSMode
    /// Trusted CA certificates (PEM) for `verify-ca` / `verify-full`; the system's when `nil`.
    public var tlsRootCertificates: String?
    /// Shown in `pg_stat_activity`.
    public var applicationName: String

    /// Parses `text`; throws ``StoreError/invalidStoreURL(_:fileID:line:)`` naming what is wrong.
    public init(parsing text: String) throws(StoreError) {
        let rest: Substring
        if text.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else if text.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else {
            throw .invalidStoreURL("expected postgres://…")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidStoreURL("contains a control character")
        }
        let (beforeQuery, query) = Self.split(rest, at: "?")
        let (authority, path) = Self.split(beforeQuery, at: "/")

        // userinfo@hostport: the last @ separates them (a password may contain an encoded @ only).
        var userInfo: Substring?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
        }
        var user: String?
        var password: String?
        if let userInfo {
            let (name, secret) = Self.split(userInfo, at: ":")
            user = try Self.decode(name, "user")
            if let secret { password = try Self.decode(secret, "password") }
        }

        var host: String?
        var port: Int?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw .invalidStoreURL("unclosed [ in the host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidStoreURL("unexpected text after ]") }
                port = try Self.port(after.dropFirst())
            }
        } else {
            let (name, portText) = Self.split(hostPort, at: ":")
            if !name.isEmpty { host = try Self.decode(name, "host") }
            if let portText { port = try Self.port(portText) }
        }

        var database = ""
        if let path { database = try Self.decode(path, "database") }
        var tlsMode: TLSMode?
        var rootCertificates: String?
        var applicationName = "castellan"
        if let query, !query.isEmpty {
            for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
                let (key, rawValue) = Self.split(pair, at: "=")
                let value = try Self.decode(rawValue ?? "", String(key))
                switch key {
                case "host": host = value
                case "port": port = try Self.port(Substring(value))
                case "dbname": database = value
                case "user": user = value
                case "password": password = value
                case "sslmode":
                    guard let mode = TLSMode(rawValue: value) else {
                        throw .invalidStoreURL("sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    tlsMode = mode
                case "sslrootcert": rootCertificates = value
                case "application_name": applicationName = value
                default: throw .invalidStoreURL("unknown parameter '\(key)' (known: host, port, dbname, user, password, sslmode, sslrootcert, application_name)")
                }
            }
        }

        let resolvedUser = user.flatMap { $0.isEmpty ? nil : $0 } ?? Self.systemUser()
        guard let resolvedUser else { throw .invalidStoreURL("no user in the URL and no system user name to default to") }
        self.user = resolvedUser
        self.password = password
        self.database = database.isEmpty ? resolvedUser : database
        self.applicationName = applicationName
        self.tlsRootCertificates = rootCertificates

        let resolvedPort = port ?? 5432
        if let host, host.hasPrefix("/") {
            endpoint = .socket(directory: host, port: resolvedPort)
            guard tlsMode == nil || tlsMode == .disable else {
                throw .invalidStoreURL("sslmode applies to TCP only; a Unix socket is local")
            }
            self.tlsMode = .disable
        } else {
            guard let host, !host.isEmpty else {
                throw .invalidStoreURL("no host: write postgres://user@HOST/db, or postgres://user@/db?host=/socket/folder for a Unix socket")
            }
            endpoint = .tcp(host: host, port: resolvedPort)
            self.tlsMode = tlsMode ?? .prefer
        }
        if let socketPath = endpoint.socketPath, socketPath.utf8.count > 107 {
            throw .invalidStoreURL("the socket path \(socketPath) is longer than a Unix socket address allows")
        }
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    private static func port(_ text: Substring) throws(StoreError) -> Int {
        guard let port = Int(text), (1...65_535).contains(port) else { throw .invalidStoreURL("port must be 1–65535") }
        return port
    }

    /// Percent-decodes one component; a malformed escape is refused.
    private static func decode(_ text: Substring, _ what: String) throws(StoreError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .invalidStoreURL("malformed %-escape in the \(what)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self), !decoded.utf8.contains(0) else {
            throw .invalidStoreURL("the \(what) is not valid UTF-8 text")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func systemUser() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
