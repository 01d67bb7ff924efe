import CastellanAuth
import CastellanStore
import Foundation

/// Reads mosquitto's dynamic-security configuration (`dynamic-security.json`) into an
/// ``ImportPlan``, in the shape plugins/dynamic-security writes it (clients.c, groups.c,
/// roles.c, config.c): clients with `username`, optional `clientid`, `disabled`, the password
/// as `salt`/`password`/`iterations` (2.0) or `encoded_password` (2.1), and `roles`; groups with
/// `roles` and member `clients`; roles with `acls` (`acltype`, `topic`, `priority`, `allow`);
/// and `defaultACLAccess`.
///
/// Castellan has no roles: a client's role rules become the device's rules, a group's role
/// rules the group's. What changes is noted: dynamic-security takes the first matching rule by
/// priority, Castellan lets any matching deny win, so an allow that outranked an overlapping
/// deny no longer wins; `unsubscribe…` rules and the unsubscribe default have no counterpart;
/// a default of allow becomes an `allow … #` rule on every device (which leaves out `$` topics);
/// the anonymous group is not carried. A client's `clientid` becomes the device's bound client
/// id (``BoundClientID``): as in dynamic-security it must then connect with exactly that one.
/// One Castellan cannot bind (outside ``BoundClientID/rule``) is noted as a change; one that two
/// clients share, or that is another client's username, is refused (``ImportError``): in
/// Castellan a client id belongs to one device, so neither could take over the other's sessions.
public enum DynamicSecurityImport {
    /// The plan for `file` (its text `json`).
    public static func plan(file: String, json: String) throws(ImportError) -> ImportPlan {
        let config: Config
        do {
            config = try JSONDecoder().decode(Config.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw ImportError(file: file, line: nil, "not a dynamic-security configuration: \(describe(error))")
        } catch {
            throw ImportError(file: file, line: nil, "not valid JSON: \(error)")
        }
        guard let clients = config.clients else {
            throw ImportError(file: file, line: nil, "not a dynamic-security configuration: no \"clients\" array")
        }
        let locate = Locator(text: json)
        var plan = ImportPlan()
        let roles = Dictionary(config.roles?.map { ($0.rolename, $0) } ?? [], uniquingKeysWith: { first, _ in first })

        var memberships: [String: [(group: String, priority: Int)]] = [:]
        for group in config.groups ?? [] {
            for member in group.clients ?? [] { memberships[member.username, default: []].append((group.groupname, member.priority ?? -1)) }
        }
        var ordered: [DeviceID: [ACL]] = [:]
        for client in clients {
            let line = locate.line(of: client.username)
            guard let id = plan.deviceID(client.username, file: file, line: line) else { continue }
            let hash: LegacyPasswordHash?
            do {
                if let encoded = client.encoded_password {
                    hash = try LegacyPasswordHash(parsing: encoded)
                } else if let salt = client.salt, let password = client.password, let iterations = client.iterations, iterations > 0 {
                    hash = try LegacyPasswordHash.dynamicSecurity(salt: salt, password: password, iterations: iterations)
                } else {
                    hash = nil
                    plan.note(ImportNote(.skipped, file: file, line: line, "client '\(id)' has no password; imported without one"))
                }
            } catch {
                throw ImportError(file: file, line: line, "client '\(id)': \(error)")
            }
            // dynamic-security's own commands store an empty clientid as none.
            var bound: BoundClientID?
            if let clientID = client.clientid, !clientID.isEmpty {
                do { bound = try BoundClientID(clientID) } catch {
                    plan.note(ImportNote(.changes, file: file, line: line,
                                         "client '\(id)' was bound to client id '\(ImportPlan.printable(clientID))', which Castellan cannot bind (\(error)); it follows client_id_binding (default: the device id)"))
                }
            }
            var groups: [DeviceGroup] = []
            var acls: [ACL] = []
            for role in (client.roles ?? []).sorted(by: { ($0.priority ?? -1) > ($1.priority ?? -1) }) {
                acls += roleACLs(role.rolename, roles, file: file, locate: locate, plan: &plan, owner: "client '\(id)'")
            }
            let joined = ((client.groups ?? []).map { ($0.groupname, $0.priority ?? -1) } + (memberships[client.username] ?? []))
            for (name, _) in joined.sorted(by: { $0.1 > $1.1 }) {
                guard let group = plan.group(name, file: file, line: locate.line(of: name)) else { continue }
                if !groups.contains(group) { groups.append(group) }
                for role in (config.groups?.first { $0.groupname == name }?.roles ?? []).sorted(by: { ($0.priority ?? -1) > ($1.priority ?? -1) }) {
                    acls += roleACLs(role.rolename, roles, file: file, locate: locate, plan: &plan, owner: nil)
                }
            }
            _ = plan.add(FleetImport.Device(id: id, enabled: !(client.disabled ?? false), groups: groups,
                                            legacy: hash, clientID: bound))
            ordered[id] = acls
            for role in client.roles ?? [] { addRules(of: role.rolename, roles, to: .device(id), file: file, locate: locate, plan: &plan) }
        }
        try refuseSharedClientIDs(plan.devices, file: file, locate: locate)
        for group in config.groups ?? [] {
            guard let name = plan.group(group.groupname, file: file, line: locate.line(of: group.groupname)),
                  plan.devices.contains(where: { $0.groups.contains(name) }) else { continue }
            for role in group.roles ?? [] { addRules(of: role.rolename, roles, to: .group(name), file: file, locate: locate, plan: &plan) }
        }
        if let anonymous = config.anonymousGroup {
            plan.note(ImportNote(.skipped, file: file, line: locate.line(of: anonymous),
                                 "anonymous group '\(ImportPlan.printable(anonymous))': Castellan admits no anonymous client"))
        }
        noteDefaults(config.defaultACLAccess, file: file, line: locate.line(of: "defaultACLAccess"), plan: &plan)
        notePriorities(ordered, file: file, locate: locate, plan: &plan)
        plan.noteDefaultRule(file: file)
        plan.noteRuleLimits(file: file)
        return plan
    }

    /// Refuses a client id bound to two clients, or bound to one and the username of another:
    /// the store would refuse it too, but here the message names the file and line.
    private static func refuseSharedClientIDs(_ devices: [FleetImport.Device], file: String, locate: Locator) throws(ImportError) {
        var owners: [String: DeviceID] = Dictionary(uniqueKeysWithValues: devices.map { ($0.id.rawValue, $0.id) })
        for device in devices {
            guard let bound = device.clientID else { continue }
            if let owner = owners[bound.rawValue], owner != device.id {
                throw ImportError(file: file, line: locate.line(of: bound.rawValue),
                                  "client '\(device.id)': client id '\(bound)' is also client '\(owner)'s client id or username; Castellan binds a client id to one device only")
            }
            owners[bound.rawValue] = device.id
        }
    }

    // MARK: Rules

    /// The ACLs of a role, highest priority first (the order dynamic-security tries them in).
    private static func roleACLs(
        _ name: String, _ roles: [String: Role], file: String, locate: Locator, plan: inout ImportPlan, owner: String?
    ) -> [ACL] {
        guard let role = roles[name] else {
            if let owner { plan.note(ImportNote(.skipped, file: file, line: locate.line(of: name), "\(owner) names unknown role '\(ImportPlan.printable(name))'")) }
            return []
        }
        return (role.acls ?? []).sorted { ($0.priority ?? 0) > ($1.priority ?? 0) }
    }

    private static func addRules(
        of name: String, _ roles: [String: Role], to scope: ACLScope, file: String, locate: Locator, plan: inout ImportPlan
    ) {
        guard let role = roles[name] else { return }
        if role.allowwildcardsubs == false {
            plan.note(ImportNote(.changes, file: file, line: locate.lastLine(of: name),
                                 "role '\(ImportPlan.printable(name))' refuses wildcard subscriptions; Castellan judges a wildcard subscription by its rules"))
        }
        // Each ACL's topic is searched from the previous one's line on, starting at the role.
        var cursor = locate.lastLine(of: name)
        for acl in role.acls ?? [] {
            let line = locate.line(of: acl.topic, after: cursor)
            cursor = line ?? cursor
            guard let access = access(of: acl.acltype) else {
                plan.note(ImportNote(.skipped, file: file, line: line,
                                     "\(ImportPlan.printable(acl.acltype)) rule '\(ImportPlan.printable(acl.topic))' of role '\(ImportPlan.printable(name))': Castellan has no \(acl.acltype.hasPrefix("unsubscribe") ? "unsubscribe" : "such") rules"))
                continue
            }
            if acl.acltype == "subscribeLiteral", acl.topic.contains(where: { $0 == "+" || $0 == "#" }) {
                plan.note(ImportNote(.changes, file: file, line: line,
                                     "subscribeLiteral '\(ImportPlan.printable(acl.topic))' matched only that exact filter; Castellan's rule also covers narrower filters"))
            }
            guard let rule = plan.rule(acl.allow ? .allow : .deny, access, topic: acl.topic, file: file, line: line) else { continue }
            plan.add(rule, to: scope)
        }
    }

    private static func access(of type: String) -> ACLAccessSet? {
        switch type {
        case "publishClientSend": .publish
        case "publishClientReceive": .receive
        case "subscribeLiteral", "subscribePattern": .subscribe
        default: nil
        }
    }

    /// A default of allow becomes an `allow ACCESS #` rule on every device: with Castellan's
    /// deny-wins rules that is what the default meant, except for `$` topics, which `#` never matches.
    private static func noteDefaults(_ defaults: DefaultAccess?, file: String, line: Int?, plan: inout ImportPlan) {
        let defaults = defaults ?? DefaultAccess()
        let pairs: [(String, Bool, ACLAccessSet?)] = [
            ("publishClientSend", defaults.publishClientSend ?? false, .publish),
            ("publishClientReceive", defaults.publishClientReceive ?? false, .receive),
            ("subscribe", defaults.subscribe ?? false, .subscribe),
            ("unsubscribe", defaults.unsubscribe ?? false, nil),
        ]
        for (name, allowed, access) in pairs {
            guard let access else {
                if !allowed {
                    plan.note(ImportNote(.changes, file: file, line: line, "defaultACLAccess \(name)=false: Castellan never refuses an unsubscribe"))
                }
                continue
            }
            guard allowed else { continue }
            guard let rule = plan.rule(.allow, access, topic: "#", file: file, line: line) else { continue }
            for device in plan.devices { plan.add(rule, to: .device(device.id)) }
            plan.note(ImportNote(.changes, file: file, line: line,
                                 "defaultACLAccess \(name)=true is imported as 'allow \(access) #' on every device: topics starting with $ are no longer covered"))
        }
    }

    /// Lists every allow that dynamic-security tried before an overlapping deny of the same kind:
    /// there the allow won, under Castellan the deny does.
    private static func notePriorities(_ ordered: [DeviceID: [ACL]], file: String, locate: Locator, plan: inout ImportPlan) {
        for (device, acls) in ordered.sorted(by: { $0.key < $1.key }) {
            for (index, allow) in acls.enumerated() where allow.allow {
                for deny in acls[(index + 1)...] where !deny.allow && access(of: deny.acltype) != nil
                    && access(of: deny.acltype) == access(of: allow.acltype) && TopicOverlap.mayOverlap(allow.topic, deny.topic)
                {
                    plan.note(ImportNote(.changes, file: file, line: locate.line(of: deny.topic),
                                         "device '\(device)': \(allow.acltype) allow '\(ImportPlan.printable(allow.topic))' (priority \(allow.priority ?? 0)) outranked deny '\(ImportPlan.printable(deny.topic))' (priority \(deny.priority ?? 0)); in Castellan the deny wins where both match"))
                }
            }
        }
    }

    // MARK: The file

    private struct Config: Decodable {
        var clients: [Client]?
        var groups: [Group]?
        var roles: [Role]?
        var defaultACLAccess: DefaultAccess?
        var anonymousGroup: String?
    }

    private struct Client: Decodable {
        var username: String
        var clientid: String?
        var password: String?
        var salt: String?
        var iterations: Int?
        var encoded_password: String?
        var disabled: Bool?
        var roles: [RoleRef]?
        var groups: [GroupRef]?
    }

    private struct Group: Decodable {
        var groupname: String
        var roles: [RoleRef]?
        var clients: [Member]?
    }

    private struct Member: Decodable {
        var username: String
        var priority: Int?
    }

    private struct RoleRef: Decodable {
        var rolename: String
        var priority: Int?
    }

    private struct GroupRef: Decodable {
        var groupname: String
        var priority: Int?
    }

    private struct Role: Decodable {
        var rolename: String
        var acls: [ACL]?
        var allowwildcardsubs: Bool?
    }

    private struct ACL: Decodable {
        var acltype: String
        var topic: String
        var priority: Int?
        var allow: Bool
    }

    private struct DefaultAccess: Decodable {
        var publishClientSend: Bool?
        var publishClientReceive: Bool?
        var subscribe: Bool?
        var unsubscribe: Bool?
    }

    /// The line of the first `"VALUE"` in the file: where a client, group or topic is written,
    /// for messages (JSONDecoder keeps no positions).
    private struct Locator {
        let lines: [String]
        init(text: String) { lines = TextLines.numbered(text).map(\.text) }
        func line(of value: String, after start: Int? = nil) -> Int? {
            let quoted = "\"\(value)\""
            let from = min(start ?? 0, lines.count)
            return lines[from...].firstIndex { $0.contains(quoted) }.map { $0 + 1 }
        }

        /// The line of the last `"VALUE"`: a role's definition (the plugin saves roles after clients and groups).
        func lastLine(of value: String) -> Int? {
            let quoted = "\"\(value)\""
            return lines.lastIndex { $0.contains(quoted) }.map { $0 + 1 }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context): "missing \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): "unexpected value at \(path(context))"
        case .dataCorrupted(let context): context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(context))"
        @unknown default: "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
}
