import CastellanAuth
import CastellanStore

/// Reads mosquitto's `password_file` (as `mosquitto_passwd` writes it) and, optionally, its
/// `acl_file`, into an ``ImportPlan``.
///
/// The password file, as mosquitto's password-file plugin reads it (plugins/password-file/
/// password_parse.c): `USER:HASH` per line, `#` comments, blanks around both trimmed, a
/// duplicate user refused. Every hash must parse (``LegacyPasswordHash``); `$argon2id$` ones are
/// imported without a credential and noted (no argon2 here).
///
/// The ACL file, as mosquitto's acl-file plugin reads it (plugins/acl-file/acl_parse.c and
/// acl_check.c): `user NAME`, then `topic [read|write|readwrite|deny] TOPIC` lines for that
/// user; `pattern …` lines for everyone (with `%u`/`%c`); `topic` lines before any `user` are
/// for anonymous clients. Mapped to Castellan rules: `read` → subscribe+receive (mosquitto
/// never checks subscriptions, Castellan does), `write` → publish, `readwrite` → all, `deny` →
/// deny all. Patterns become rules of every imported device.
public enum MosquittoPasswordImport {
    /// The plan for `passwordFile` (its text `passwords`) and an optional ACL file.
    public static func plan(passwordFile: String, passwords: String, aclFile: String? = nil, acl: String? = nil) throws(ImportError) -> ImportPlan {
        var plan = ImportPlan()
        var seen: Set<String> = []
        for (number, line) in TextLines.numbered(passwords) {
            let trimmed = line.trimmingBlanks
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw ImportError(file: passwordFile, line: number, "not a USER:HASH line")
            }
            let username = String(trimmed[..<colon]).trimmingBlanks
            let text = String(trimmed[trimmed.index(after: colon)...]).trimmingBlanks
            guard !username.isEmpty else { throw ImportError(file: passwordFile, line: number, "empty username") }
            guard seen.insert(username).inserted else {
                throw ImportError(file: passwordFile, line: number, "duplicate user '\(ImportPlan.printable(username))'")
            }
            let hash: LegacyPasswordHash
            do { hash = try LegacyPasswordHash(parsing: text) } catch {
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

    private static func readACL(file: String, text: String, into plan: inout ImportPlan) throws(ImportError) {
        var user: DeviceID?
        var userSeen = false
        var userAllows: [DeviceID: [(topic: String, access: ACLAccessSet)]] = [:]
        var patternDenies: [(topic: String, line: Int)] = []
        var patterns: [(rule: ACLRule, line: Int)] = []
        plan.note(ImportNote(.changes, file: file,
                             "mosquitto's acl_file never checks subscriptions; Castellan does: `read` is imported as subscribe+receive, so a subscription wider than the readable topics is refused"))
        for (number, line) in TextLines.numbered(text) {
            let trimmed = line.trimmingBlanks
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let (keyword, rest) = trimmed.splitFirstWord
            switch keyword {
            case "user":
                userSeen = true
                guard !rest.isEmpty else { throw ImportError(file: file, line: number, "`user` without a name") }
                user = nil
                guard let id = plan.deviceID(rest, file: file, line: number) else { continue }
                guard plan.contains(id) else {
                    plan.note(ImportNote(.skipped, file: file, line: number, "user '\(id)' is not in the password file; its rules are not imported"))
                    continue
                }
                user = id
            case "topic", "pattern":
                let (access, effect, topic) = try accessAndTopic(rest, file: file, line: number)
                if keyword == "topic" && !userSeen {
                    plan.note(ImportNote(.skipped, file: file, line: number, "rule for anonymous clients: Castellan admits no anonymous client"))
                    continue
                }
                guard let rule = plan.rule(effect, access, topic: topic, file: file, line: number) else { continue }
                if keyword == "pattern" {
                    patterns.append((rule, number))
                    if effect == .deny { patternDenies.append((topic, number)) }
                } else if let user {
                    plan.add(rule, to: .device(user))
                    if effect == .allow { userAllows[user, default: []].append((topic, access)) }
                }
            default:
                throw ImportError(file: file, line: number, "expected `user`, `topic` or `pattern`")
            }
        }
        for device in plan.devices {
            for pattern in patterns { plan.add(pattern.rule, to: .device(device.id)) }
        }
        // mosquitto returns at a user's first matching allow before it looks at any pattern, so a
        // pattern's deny never reaches a topic the user's own rules allow; Castellan's deny wins.
        for deny in patternDenies {
            for (user, allows) in userAllows.sorted(by: { $0.key < $1.key }) {
                let denied = deny.topic.replacingOccurrences(of: "%u", with: user.rawValue)
                for allow in allows where TopicOverlap.mayOverlap(allow.topic, denied) {
                    plan.note(ImportNote(.changes, file: file, line: deny.line,
                                         "pattern deny '\(deny.topic)' now also refuses user '\(user)' on '\(allow.topic)', which mosquitto let its user rule allow"))
                }
            }
        }
    }

    /// `[read|write|readwrite|deny] TOPIC` (access optional: readwrite), as acl_parse.c reads it.
    private static func accessAndTopic(_ text: String, file: String, line: Int) throws(ImportError) -> (ACLAccessSet, ACLEffect, String) {
        let (word, rest) = text.splitFirstWord
        let mapped: (ACLAccessSet, ACLEffect)? = switch word {
        case "read": ([.subscribe, .receive], .allow)
        case "write": (.publish, .allow)
        case "readwrite": (.all, .allow)
        case "deny": (.all, .deny)
        default: nil
        }
        if let mapped {
            guard !rest.isEmpty else { throw ImportError(file: file, line: line, "empty topic") }
            return (mapped.0, mapped.1, rest)
        }
        guard !text.isEmpty else { throw ImportError(file: file, line: line, "empty topic") }
        return (.all, .allow, text)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingBlanks: String {
        let blanks: Set<Character> = [" ", "\t"]
        return String(drop { blanks.contains($0) }.reversed().drop { blanks.contains($0) }.reversed())
    }

    /// The first blank-separated word and the trimmed rest.
    var splitFirstWord: (String, String) {
        let trimmed = trimmingBlanks
        guard let blank = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (trimmed, "") }
        return (String(trimmed[..<blank]), String(trimmed[blank...]).trimmingBlanks)
    }
}
