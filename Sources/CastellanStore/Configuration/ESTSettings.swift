/// `est:` in `castellan.yaml`: the EST enrolment server (RFC 7030, docs/provisioning.md).
///
/// Off unless `est.listen` is set. It serves HTTPS with the broker's certificate, so devices
/// that trust the CA for the broker trust the enrolment server too.
public struct ESTSettings: Sendable, Hashable {
    /// Where to listen: host and TCP port.
    public var host: String
    public var port: Int
    /// The server certificate (PEM, chain allowed) and its key.
    public var certificateFile: String
    public var keyFile: String
    /// How long certificates issued over EST are valid, in days (default ``defaultValidityDays``).
    public var validityDays: Int
    /// Whether a renewal may keep the current key (default `false`: a renewal brings a new key).
    public var allowSameKey: Bool

    /// 30 days: renewal at two thirds of the lifetime leaves ten days to retry, and a stolen key
    /// without its revocation works a month at most (docs/provisioning.md says more).
    public static let defaultValidityDays = 30

    public init(host: String, port: Int, certificateFile: String, keyFile: String, validityDays: Int = defaultValidityDays,
                allowSameKey: Bool = false) {
        self.host = host
        self.port = port
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.validityDays = validityDays
        self.allowSameKey = allowSameKey
    }

    /// `HOST:PORT` (`[::1]:8443` for IPv6) as host and port; `nil` if it is not that.
    public static func listen(parsing text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" "), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        return (host, port)
    }
}
