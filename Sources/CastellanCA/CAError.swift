/// Why the certificate authority refused or failed. Messages name files and rules, never keys.
public enum CAError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file exists and is never overwritten.
    case exists(String)
    /// Reading or writing a file failed.
    case io(String)
    /// A CA, certificate, CSR, key or bundle is not what it must be.
    case invalid(String)
    /// A certificate signing request asks for something a device may not have.
    case csrRefused(String)
    /// A sealed bundle did not open: wrong key, tampered, or for another device.
    case bundleRefused(String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) exists already; refusing to overwrite it"
        case .io(let message), .invalid(let message): message
        case .csrRefused(let message): "CSR refused: \(message)"
        case .bundleRefused(let message): "bundle refused: \(message)"
        }
    }
}
