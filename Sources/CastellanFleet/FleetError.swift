/// Why a fleet operation was refused: one line for people, and a kind that the CLI turns into
/// its exit status and the admin API into its HTTP status.
///
/// Messages name devices, serials and fields, never a key, secret or password. Equal by kind
/// and message.
public struct FleetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What sort of refusal: decides the CLI exit status and the HTTP status.
    public enum Kind: Sendable, Hashable {
        /// The request is malformed (a word outside a fixed list, two exclusive options):
        /// CLI exit 2, HTTP 400.
        case usage
        /// A value breaks a rule (a device id, a group, a CSR, a validity): CLI exit 1, HTTP 400.
        case invalid
        /// Credentials that do not authorize the request (an enrolment token that is wrong,
        /// expired or used): CLI exit 1, HTTP 401.
        case unauthorized
        /// No such device or certificate: CLI exit 1, HTTP 404.
        case notFound
        /// The thing exists already, or its state forbids the operation: CLI exit 1, HTTP 409.
        case conflict
        /// The certificate authority cannot be loaded (not created yet, unreadable): CLI exit 1, HTTP 503.
        case unavailable
    }

    /// What sort of refusal.
    public let kind: Kind
    /// One line, without a command prefix.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func usage(_ message: String) -> FleetError { FleetError(.usage, message) }
    static func invalid(_ message: String) -> FleetError { FleetError(.invalid, message) }
    static func unauthorized(_ message: String) -> FleetError { FleetError(.unauthorized, message) }
    static func notFound(_ message: String) -> FleetError { FleetError(.notFound, message) }
    static func conflict(_ message: String) -> FleetError { FleetError(.conflict, message) }
    static func unavailable(_ message: String) -> FleetError { FleetError(.unavailable, message) }

    /// The CLI's exit status: 2 for usage errors, 1 for every other refusal.
    public var exitStatus: Int32 { kind == .usage ? 2 : 1 }

    public var description: String { message }
}
