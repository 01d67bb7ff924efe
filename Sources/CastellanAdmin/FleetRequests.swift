import CastellanAuth
import CastellanFleet
import CastellanStore
import Foundation

/// The bodies of the `/v1/devices` and `/v1/certificates` routes, parsed strictly.
///
/// A body that is not a JSON object, a field we do not know, a missing field or one of the wrong
/// type is refused (``FleetError/Kind/invalid``, HTTP 400) before anything changes, with a message
/// naming the field. An empty body reads as `{}`.
protocol FleetRequestBody: Decodable {
    /// Every field by its dotted path, with what it must be ("a string"): the known fields, and
    /// the words of a type error.
    static var fields: [(path: String, must: String)] { get }
}

extension FleetRequestBody {
    /// Parses `bytes`.
    static func parse(_ bytes: [UInt8]) throws(FleetError) -> Self {
        let empty = bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        do {
            return try JSONDecoder().decode(Self.self, from: Data(empty ? Array("{}".utf8) : bytes))
        } catch let error as FleetError {
            throw error
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw mistyped(context.codingPath)
        } catch let DecodingError.keyNotFound(key, context) {
            throw FleetError(.invalid, "missing `\(path(context.codingPath + [key]))`")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw mistyped(context.codingPath)
        } catch {
            let top = fields.filter { !$0.path.contains(".") }.map { "`\($0.path)`" }
            throw FleetError(.invalid, "the body is not valid JSON; expected "
                + (top.isEmpty ? "no body or {}" : "an object with " + top.joined(separator: ", ")))
        }
    }

    private static func mistyped(_ codingPath: [any CodingKey]) -> FleetError {
        let field = path(codingPath)
        guard let must = fields.first(where: { $0.path == field })?.must else {
            return FleetError(.invalid, "the body must be a JSON object")
        }
        return FleetError(.invalid, "`\(field)` must be \(must)")
    }

    /// `generate.validityDays`; array indexes are left out (`groups[1]` is `groups`).
    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.filter { $0.intValue == nil }.map(\.stringValue).joined(separator: ".")
    }

    /// The keyed container of the object at `prefix` ("" for the body), refusing unknown keys.
    static func strictContainer(_ decoder: any Decoder, prefix: String = "") throws -> KeyedDecodingContainer<FieldKey> {
        let container = try decoder.container(keyedBy: FieldKey.self)
        let known = fields.map(\.path).filter { prefix.isEmpty ? !$0.contains(".") : $0.hasPrefix(prefix + ".") }
            .map { prefix.isEmpty ? $0 : String($0.dropFirst(prefix.count + 1)) }
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            let dotted = prefix.isEmpty ? "" : prefix + "."
            throw FleetError(.invalid, "unknown field\(unknown.count == 1 ? "" : "s") "
                + unknown.map { "`\(dotted)\($0)`" }.joined(separator: ", ") + "; known: "
                + (known.isEmpty ? "none" : known.map { "`\(dotted)\($0)`" }.joined(separator: ", ")))
        }
        return container
    }
}

/// Any JSON object key.
struct FieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// `POST /v1/devices`: `{"id": "...", "policy": "...", "groups": ["..."], "clientID": "..."}`, the
/// last two optional.
struct AddDeviceBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [
        (path: "id", must: "a string"), ("policy", "a string"), ("groups", "an array of strings"), ("clientID", "a string"),
    ]
    let id: String
    let policy: String
    let groups: [String]
    let clientID: String?

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        id = try container.decode(String.self, forKey: FieldKey("id"))
        policy = try container.decode(String.self, forKey: FieldKey("policy"))
        groups = try container.decodeIfPresent([String].self, forKey: FieldKey("groups")) ?? []
        clientID = try container.decodeIfPresent(String.self, forKey: FieldKey("clientID"))
    }
}

/// `PUT /v1/devices/{id}/client-id`: `{"clientID": "..."}` binds, `{"clientID": null}` clears —
/// the field is required, so an empty body never clears a binding by accident.
struct ClientIDBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "clientID", must: "a string or null")]
    let clientID: BoundClientID?

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        let key = FieldKey("clientID")
        guard container.contains(key) else { throw FleetError(.invalid, "missing `clientID` (null clears the binding)") }
        clientID = try container.decodeNil(forKey: key)
            ? nil : try Fleet.clientID(container.decode(String.self, forKey: key))
    }
}

/// `POST /v1/devices/{id}/disable` and `/enable`: no body, or `{}`.
struct EmptyBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = []
    init(from decoder: any Decoder) throws { _ = try Self.strictContainer(decoder) }
}

/// `POST /v1/devices/{id}/certificates`: `{"csr": "PEM", "validityDays": N}` or
/// `{"generate": {"validityDays": N}}` — the options of `castellan cert issue`.
struct IssueCertificateBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "csr", must: "a PEM string"), ("validityDays", "a whole number"),
                         ("generate", "an object"), ("generate.validityDays", "a whole number")]
    let key: Fleet.KeySource
    let validityDays: Int?

    /// `generate`'s options.
    private struct Generate: Decodable {
        let validityDays: Int?
        init(from decoder: any Decoder) throws {
            let container = try IssueCertificateBody.strictContainer(decoder, prefix: "generate")
            validityDays = try container.decodeIfPresent(Int.self, forKey: FieldKey("validityDays"))
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        let csr = try container.decodeIfPresent(String.self, forKey: FieldKey("csr"))
        let generate = try container.decodeIfPresent(Generate.self, forKey: FieldKey("generate"))
        let days = try container.decodeIfPresent(Int.self, forKey: FieldKey("validityDays"))
        switch (csr, generate) {
        case (let csr?, nil):
            key = .csr(pem: csr, name: "`csr`")
            validityDays = days
        case (nil, let generate?):
            guard days == nil else { throw FleetError(.invalid, "with `generate`, give `validityDays` inside it") }
            key = .generate
            validityDays = generate.validityDays
        case (.some, .some):
            throw FleetError(.invalid, "give either `csr` or `generate`, not both")
        case (nil, nil):
            throw FleetError(.invalid, "missing `csr` or `generate`")
        }
    }
}

/// `POST /v1/certificates/{serial}/revoke`: `{"reason": "keyCompromise"}`; the reason defaults to `unspecified`.
struct RevokeBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "reason", must: "a string")]
    let reason: String

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        reason = try Fleet.revocationReason(
            try container.decodeIfPresent(String.self, forKey: FieldKey("reason")) ?? "unspecified", option: "`reason`")
    }
}

/// `POST /v1/devices/{id}/totp`: `{"algorithm": "SHA1", "digits": 6, "period": 30}`, each optional.
struct EnrollTOTPBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "algorithm", must: "a string"), ("digits", "a whole number"), ("period", "a whole number")]
    let choice: Fleet.TOTPChoice

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        choice = try Fleet.TOTPChoice(
            algorithm: try container.decodeIfPresent(String.self, forKey: FieldKey("algorithm")),
            digits: try container.decodeIfPresent(Int.self, forKey: FieldKey("digits")).map(String.init),
            period: try container.decodeIfPresent(Int.self, forKey: FieldKey("period")).map(String.init)
        ) { "`\($0)`" }
    }
}

/// `POST /v1/devices/{id}/enrol-token`: `{"ttl": "24h"}`, or `{}` for a day — the option of
/// `castellan device enrol-token`.
struct EnrolTokenBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "ttl", must: "a string such as \"24h\"")]
    let lifetime: Int64

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        lifetime = try container.decodeIfPresent(String.self, forKey: FieldKey("ttl"))
            .map { text throws(FleetError) in try Fleet.tokenLifetime(text, option: "`ttl`") } ?? Fleet.defaultEnrolmentTokenLifetime
    }
}

/// `PUT /v1/devices/{id}/groups`: `{"groups": ["..."]}` (an empty array: no group).
struct GroupsBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "groups", must: "an array of strings")]
    let groups: [DeviceGroup]

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        var groups: [DeviceGroup] = []
        for name in try container.decode([String].self, forKey: FieldKey("groups")) { groups.append(try Fleet.group(name)) }
        self.groups = groups
    }
}

/// `PUT /v1/devices/{id}/password`: `{"password": "...", "mechanism": "SCRAM-SHA-256", "iterations": 4096}`,
/// the last two optional — the options of `castellan scram set`.
struct PasswordBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "password", must: "a string"), ("mechanism", "a string"), ("iterations", "a whole number")]
    let password: Fleet.NewPassword

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        password = try Fleet.NewPassword(
            password: try container.decode(String.self, forKey: FieldKey("password")),
            mechanism: try container.decodeIfPresent(String.self, forKey: FieldKey("mechanism")) ?? SCRAMMechanism.sha256.name,
            iterations: String(try container.decodeIfPresent(Int.self, forKey: FieldKey("iterations")) ?? SCRAMCredential.defaultIterations))
    }
}

/// `POST /v1/rules`: `{"device": "..."}` or `{"group": "..."}`, with `"effect"`, `"access"` and
/// `"pattern"` — the arguments of `castellan acl add`.
struct AddRuleBody: FleetRequestBody {
    static let fields: [(path: String, must: String)] = [(path: "device", must: "a string"), ("group", "a string"),
                         ("effect", "a string"), ("access", "a string"), ("pattern", "a string")]
    let scope: ACLScope
    let rule: Fleet.NewRule

    init(from decoder: any Decoder) throws {
        let container = try Self.strictContainer(decoder)
        switch (try container.decodeIfPresent(String.self, forKey: FieldKey("device")),
                try container.decodeIfPresent(String.self, forKey: FieldKey("group"))) {
        case (let device?, nil): scope = .device(try Fleet.deviceID(device))
        case (nil, let group?): scope = .group(try Fleet.group(group))
        default: throw FleetError(.invalid, "give exactly one of `device` and `group`")
        }
        rule = try Fleet.NewRule(
            effect: try container.decode(String.self, forKey: FieldKey("effect")),
            access: try container.decode(String.self, forKey: FieldKey("access")),
            pattern: try container.decode(String.self, forKey: FieldKey("pattern")))
    }
}
