import CastellanAuth

/// Why a client operation failed.
///
/// ``Code/refused`` is the broker saying no (``reasonCode`` holds its CONNACK code: 0x87 or,
/// on 3.1.1, 5 for a refused login); everything else is a failure to talk. Equal by code and
/// reason code; ``detail`` is safe to log (no passwords, no TOTP codes, no payloads).
public struct MQTTClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. More codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case connectionFailed = "connection_failed"
            case tlsConfiguration = "tls_configuration"
            case timedOut = "timed_out"
            case refused
            case authenticationFailed = "authentication_failed"
            case connectionClosed = "connection_closed"
            case protocolViolation = "protocol_violation"
            case keepAliveTimeout = "keep_alive_timeout"
            case invalidState = "invalid_state"
            case invalidArgument = "invalid_argument"
        }
        fileprivate let base: Base
        /// TCP or TLS could not be set up.
        public static let connectionFailed = Code(base: .connectionFailed)
        /// The CA, certificate or key file could not be used.
        public static let tlsConfiguration = Code(base: .tlsConfiguration)
        /// The broker did not answer within the client's timeout.
        public static let timedOut = Code(base: .timedOut)
        /// The broker refused the connection or re-authentication; see ``MQTTClientError/reasonCode``.
        public static let refused = Code(base: .refused)
        /// The enhanced-auth mechanism failed, e.g. the server's SCRAM signature did not verify.
        public static let authenticationFailed = Code(base: .authenticationFailed)
        /// The connection ended (the broker's DISCONNECT reason, if any, is in ``MQTTClientError/reasonCode``).
        public static let connectionClosed = Code(base: .connectionClosed)
        /// The broker sent something malformed or out of place.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// No PINGRESP within the keep-alive interval.
        public static let keepAliveTimeout = Code(base: .keepAliveTimeout)
        /// The operation does not fit the client's state (publish before connect…).
        public static let invalidState = Code(base: .invalidState)
        /// An argument the protocol cannot carry (QoS 2, an empty filter list…).
        public static let invalidArgument = Code(base: .invalidArgument)
        /// The snake_case name.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The broker's reason code, for refusals and DISCONNECTs.
    public let reasonCode: MQTTReasonCode?
    /// What happened, safe to log.
    public let detail: String
    /// Where it was thrown, for debugging; not part of equality.
    public let origin: ErrorOrigin

    init(_ code: Code, reasonCode: MQTTReasonCode? = nil, _ detail: String, fileID: String, line: Int) {
        self.code = code
        self.reasonCode = reasonCode
        self.detail = detail
        self.origin = ErrorOrigin(fileID, line)
    }

    /// `MQTT client <code>[ <reason>]: <detail>`.
    public var description: String {
        "MQTT client \(code)" + (reasonCode.map { " \($0)" } ?? "") + ": \(detail)"
    }

    /// Equal by code and reason code.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code && lhs.reasonCode == rhs.reasonCode }
    /// Consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(reasonCode)
    }

    /// A refusal with the broker's reason code (and reason string, which the broker chose to show).
    public static func refused(_ reasonCode: MQTTReasonCode, _ detail: String = "refused by the broker",
                               fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.refused, reasonCode: reasonCode, detail, fileID: fileID, line: line)
    }
    static func connectionFailed(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.connectionFailed, detail, fileID: fileID, line: line)
    }
    static func tlsConfiguration(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.tlsConfiguration, detail, fileID: fileID, line: line)
    }
    static func timedOut(_ operation: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.timedOut, "\(operation) timed out", fileID: fileID, line: line)
    }
    static func authenticationFailed(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.authenticationFailed, detail, fileID: fileID, line: line)
    }
    static func connectionClosed(_ reasonCode: MQTTReasonCode?, _ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.connectionClosed, reasonCode: reasonCode, detail, fileID: fileID, line: line)
    }
    static func protocolViolation(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.protocolViolation, detail, fileID: fileID, line: line)
    }
    static func keepAliveTimeout(fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.keepAliveTimeout, "no PINGRESP within the keep-alive interval", fileID: fileID, line: line)
    }
    static func invalidState(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidState, detail, fileID: fileID, line: line)
    }
    static func invalidArgument(_ detail: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.invalidArgument, detail, fileID: fileID, line: line)
    }

    /// Maps whatever ended an operation to a client error, keeping typed ones as they are.
    static func wrapping(_ error: any Error, fileID: String = #fileID, line: Int = #line) -> Self {
        switch error {
        case let error as MQTTClientError: error
        case let error as MQTTCodecError: .protocolViolation("\(error)", fileID: fileID, line: line)
        default: .connectionFailed("\(error)", fileID: fileID, line: line)
        }
    }
}
