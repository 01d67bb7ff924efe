import CastellanAuth
import CastellanStore

/// Reads mosquitto-go-auth's files backend — its passwords file and ACL file — into an
/// ``ImportPlan``, as backends/files/files.go reads them.
///
/// Passwords: `USER:HASH` per line (exactly one `:`), `#` comments and blank lines skipped;
/// hashes are go-auth's PBKDF2 (`PBKDF2$sha512$ITER$SALT$HASH`, salt in base64 by default, or
/// as plain text with go-auth's `hasher_salt_encoding utf8`). The ACL file: `user NAME`, then
/// `topic [read|write|readwrite|subscribe|deny] TOPIC` lines for that user; `topic` lines
/// before any `user` and every `pattern` line apply to all users. go-auth already lets a deny
/// win over any allow, as Castellan does. Mapped: `read` → subscribe+receive (go-auth lets a
/// read rule cover subscribing), `write` → publish, `readwrite` → all, `subscribe` →
/// subscribe, `deny` → deny all.
public enum GoAuthImport {
    /// How go-auth stored its PBKDF2 salts (`auth_opt_hasher_salt_encoding`).
    public enum SaltEncoding: String, Sendable, CaseIterable {
        case base64, utf8
    }

    /// The plan for the passwords file and an optional ACL file.
    public static func plan(
        passwordFile: String, passwords: String, aclFile: String? = nil, acl: String? = nil, saltEncoding: SaltEncoding = .base64
    ) throws(ImportError) -> ImportPlan {
        var plan = ImportPlan()
        var seen: Set<String> = []
        for (number, line) in TextLines.numbered(passwords) {
            if line.replacingOccurrences(of: " ", with: "").isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 2 else { throw ImportError(file: passwordFile, line: number, "not a USER:HASH line") }
            let username = fields[0]
            guard seen.insert(username).inserted else {
                throw ImportError(file: passwordFile, line: number, "duplicate user '\(ImportPlan.printable(username))'")
            }
            let hash: LegacyPasswordHash
            do { hash = try parse(fields[1], saltEncoding: saltEncoding) } catch {
                throw ImportError(file: passwordFile, line: number, "user '\(ImportPlan.printable(username))': \(error)")
            }
            guard let id = plan.deviceID(username, file: passwordFile, line: number) else { continue }
            _ = plan.add(FleetImport.Device(id: id, legacy: hash))
        }
        plan.noteDefaultRule(file: passwordFile)
        if let aclFile, let acl { try readACL(file: aclFile, text: acl, into: &plan) }
        plan.noteRuleLimits(file: aclFile ?? passwordFile)
        return plan
    }

    private static func parse(_ text: String, saltEncoding: SaltEncoding) throws(LegacyHashError) -> LegacyPasswordHash {
        guard saltEncoding == .utf8 else {
            guard text.hasPrefix("PBKDF2$") || text.hasPrefix("$pbkdf2-sha512$") || text.hasPrefix("pbkdf2-sha512$") else {
                throw .unsupported("go-auth files hold PBKDF2$… hashes; bcrypt and argon2id are not supported")
            }
            return try LegacyPasswordHash(parsing: text)
        }
        let fields = text.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, fields[0] == "PBKDF2" else { throw .malformed("a go-auth hash is PBKDF2$ALGORITHM$ITERATIONS$SALT$HASH") }
        guard let iterations = Int(fields[2]) else { throw .malformed("iterations must be a whole number") }
        return try .goAuth(algorithm: fields[1], iterations: iterations, salt: Array(fields[3].utf8), hash: fields[4])
    }

    private static func readACL(file: String, text: String, into plan: inout ImportPlan) throws(ImportError) {
        var user: DeviceID?
        var userSeen = false
        var everyone: [ACLRule] = []
        for (number, line) in TextLines.numbered(text) {
            if line.replacingOccurrences(of: " ", with: "").isEmpty || line.hasPrefix("#") { continue }
            let (keyword, rest) = line.splitFirstWord
            switch keyword {
            case "user":
                userSeen = true
                user = nil
                guard !rest.isEmpty else { throw ImportError(file: file, line: number, "`user` without a name") }
                guard let id = plan.deviceID(rest, file: file, line: number) else { continue }
                guard plan.contains(id) else {
                    plan.note(ImportNote(.skipped, file: file, line: number, "user '\(id)' is not in the passwords file; its rules are not imported"))
                    continue
                }
                user = id
            case "topic", "pattern":
                let (word, topic) = rest.splitFirstWord
                let mapped: (ACLEffect, ACLAccessSet)
                switch (word, topic.isEmpty) {
                case (_, true): mapped = (.allow, .all)
                case ("read", false): mapped = (.allow, [.subscribe, .receive])
                case ("write", false): mapped = (.allow, .publish)
                case ("readwrite", false): mapped = (.allow, .all)
                case ("subscribe", false): mapped = (.allow, .subscribe)
                case ("deny", false): mapped = (.deny, .all)
                default: throw ImportError(file: file, line: number, "access must be read, write, readwrite, subscribe or deny")
                }
                let filter = topic.isEmpty ? word : topic
                guard !filter.isEmpty else { throw ImportError(file: file, line: number, "empty topic") }
                guard let rule = plan.rule(mapped.0, mapped.1, topic: filter, file: file, line: number) else { continue }
                if keyword == "pattern" || !userSeen {
                    everyone.append(rule)
                } else if let user {
                    plan.add(rule, to: .device(user))
                }
            default:
                throw ImportError(file: file, line: number, "expected `user`, `topic` or `pattern`")
            }
        }
        for device in plan.devices {
            for rule in everyone { plan.add(rule, to: .device(device.id)) }
        }
    }
}
