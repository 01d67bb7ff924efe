/// What a pooled worker does with one request; its state lives in the conforming value.
///
/// Each worker instance owns one copy and mutates it between requests, one request at a
/// time — an OTP `gen_server` callback module in Swift. A restart starts from a fresh
/// value. Throwing crashes the worker (let it fail): the pool completes or retries the
/// request, and the supervisor restarts the worker. A refusal is a response, not an error.
public protocol WorkerBehavior: Sendable {
    associatedtype Request: Sendable
    associatedtype Response: Sendable
    mutating func handle(_ request: Request) async throws -> Response
}
