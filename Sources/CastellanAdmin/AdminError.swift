/// Why the admin API or its client could not do what was asked.
///
/// Equal by code; the message is for people and never holds the token.
public struct AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case emptyToken, unreadableToken, listen, request, response
    }

    private let code: Code
    /// What went wrong, in one line.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func emptyToken() -> AdminError { AdminError(.emptyToken, "the admin token is empty") }
    /// `why` is ``SecretFile``'s refusal: the file, then what is wrong with it.
    static func unreadableToken(_ why: String) -> AdminError {
        AdminError(.unreadableToken, "cannot use the admin token file \(why)")
    }
    static func listen(_ message: String) -> AdminError { AdminError(.listen, message) }
    static func request(_ message: String) -> AdminError { AdminError(.request, message) }
    /// The service answered with an error status or something unreadable.
    static func response(_ message: String) -> AdminError { AdminError(.response, message) }

    public static func == (lhs: AdminError, rhs: AdminError) -> Bool { lhs.code == rhs.code }

    public var description: String { message }
}
