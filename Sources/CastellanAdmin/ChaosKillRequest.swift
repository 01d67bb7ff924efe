import Foundation

/// The body of `POST /v1/chaos/kill`: one named node, or N random running workers under a path.
///
/// Parsed strictly: a body that is not a JSON object, a field we do not know, a field of the
/// wrong type, or a mix of both forms is refused before anything is killed, with a message
/// saying which.
public enum ChaosKillRequest: Sendable, Equatable {
    /// `{"path": "/castellan/auth/scram/1"}`.
    case path(String)
    /// `{"random": N, "under": "/castellan/auth"}`; `under` defaults to the whole tree.
    case random(count: Int, under: String?)

    /// The most workers one request may kill: enough for any storm, small enough to be a guard.
    public static let maxRandom = 1_000

    /// Parses a request body.
    ///
    /// - Throws: ``ChaosRequestError`` with a message fit for a 400 response.
    public init(json body: [UInt8]) throws(ChaosRequestError) {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(body))
        } catch let error as ChaosRequestError {
            throw error
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.first?.stringValue ?? "body"
            throw ChaosRequestError(field == "random" ? "`random` must be a whole number"
                : field == "body" ? "the body must be a JSON object" : "`\(field)` must be a string")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw ChaosRequestError("`\(context.codingPath[0].stringValue)` must be a whole number")
        } catch {
            throw ChaosRequestError("the body is not valid JSON: expected {\"path\": \"...\"} or {\"random\": N, \"under\": \"...\"}")
        }
        switch (fields.path, fields.random) {
        case (let path?, nil):
            guard fields.under == nil else { throw ChaosRequestError("`under` goes with `random`, not with `path`") }
            try Self.checkPath(path, field: "path")
            self = .path(path)
        case (nil, let count?):
            guard (1...Self.maxRandom).contains(count) else {
                throw ChaosRequestError("`random` must be between 1 and \(Self.maxRandom)")
            }
            if let under = fields.under { try Self.checkPath(under, field: "under") }
            self = .random(count: count, under: fields.under)
        case (.some, .some):
            throw ChaosRequestError("give either `path` or `random`, not both")
        case (nil, nil):
            throw ChaosRequestError("missing `path` or `random`")
        }
    }

    private static func checkPath(_ path: String, field: String) throws(ChaosRequestError) {
        guard path.hasPrefix("/"), path.count > 1 else {
            throw ChaosRequestError("`\(field)` must be a tree path such as /castellan/auth")
        }
    }

    /// The decoded fields; unknown keys are refused here, since `JSONDecoder` ignores them.
    private struct Fields: Decodable {
        static let known = ["path", "random", "under"]
        var path: String?
        var random: Int?
        var under: String?

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let unknown = container.allKeys.map(\.stringValue).filter { !Self.known.contains($0) }.sorted()
            guard unknown.isEmpty else {
                throw ChaosRequestError("unknown field\(unknown.count == 1 ? "" : "s") "
                    + unknown.map { "`\($0)`" }.joined(separator: ", ") + "; known: `path`, `random`, `under`")
            }
            path = try container.decodeIfPresent(String.self, forKey: Key(stringValue: "path"))
            random = try container.decodeIfPresent(Int.self, forKey: Key(stringValue: "random"))
            under = try container.decodeIfPresent(String.self, forKey: Key(stringValue: "under"))
        }
    }
}

/// Why a chaos request body was refused (HTTP 400).
public struct ChaosRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
