import CastellanAuth
import CastellanImport
import Testing

/// The dynamic-security reader on a configuration shaped as the plugin saves it.
@Suite struct DynamicSecurityImportTests {
    static let json = """
        {
          "defaultACLAccess": {"publishClientSend": false, "publishClientReceive": true, "subscribe": false, "unsubscribe": true},
          "clients": [
            {"username": "admin", "textname": "Dynsec admin user", "roles": [{"rolename": "admin"}],
             "password": "g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g==",
             "salt": "/F15SIdQWWDI9Oc5", "iterations": 101},
            {"username": "dev1", "clientid": "dev1-client", "roles": [{"rolename": "sensor", "priority": 5}],
             "password": "g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g==",
             "salt": "/F15SIdQWWDI9Oc5", "iterations": 101},
            {"username": "dev2", "disabled": true,
             "encoded_password": "$7$101$/F15SIdQWWDI9Oc5$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g=="}
          ],
          "groups": [
            {"groupname": "sensors", "roles": [{"rolename": "readers"}], "clients": [{"username": "dev1"}, {"username": "dev2"}]}
          ],
          "roles": [
            {"rolename": "admin", "acls": [{"acltype": "publishClientSend", "topic": "$CONTROL/dynamic-security/#", "allow": true}]},
            {"rolename": "sensor", "acls": [
              {"acltype": "publishClientSend", "topic": "sensors/#", "priority": 10, "allow": true},
              {"acltype": "publishClientSend", "topic": "sensors/secret", "priority": 1, "allow": false},
              {"acltype": "unsubscribePattern", "topic": "sensors/#", "allow": true}
            ]},
            {"rolename": "readers", "acls": [{"acltype": "subscribePattern", "topic": "sensors/#", "allow": true}]}
          ]
        }
        """

    @Test func aConfiguration_becomesDevicesGroupsAndRules_withEveryDifferenceListed() throws {
        let plan = try DynamicSecurityImport.plan(file: "dynsec.json", json: Self.json)
        #expect(plan.devices.map(\.id.rawValue) == ["admin", "dev1", "dev2"])
        #expect(plan.devices.map(\.enabled) == [true, true, false])
        #expect(plan.devices.allSatisfy { $0.legacy?.verify(password: Array("secret1".utf8)) == true })
        #expect(plan.groups.map(\.rawValue) == ["sensors"])
        let rules = plan.rules.map { "\($0.scope): \($0.rule)" }
        #expect(rules == [
            "device admin: allow publish $CONTROL/dynamic-security/#",
            "device dev1: allow publish sensors/#",
            "device dev1: deny publish sensors/secret",
            "group sensors: allow subscribe sensors/#",
            "device admin: allow receive #",
            "device dev1: allow receive #",
            "device dev2: allow receive #",
        ], "\(rules)")
        let notes = plan.notes.map(\.description)
        #expect(plan.devices.map { $0.clientID?.rawValue } == [nil, "dev1-client", nil], "a clientid is carried as the binding")
        #expect(!notes.contains { $0.contains("client id") }, "a carried binding changes no meaning")
        #expect(notes.contains { $0.hasPrefix("skipped") && $0.contains("unsubscribePattern rule 'sensors/#'") })
        #expect(notes.contains { $0.contains("defaultACLAccess publishClientReceive=true is imported as 'allow receive #'") })
        #expect(notes.contains { $0.contains("device 'dev1': publishClientSend allow 'sensors/#' (priority 10) outranked deny 'sensors/secret' (priority 1)") })
    }

    @Test func aClientIDCastellanCannotBind_isListedAsAChange_andAnEmptyOneIsNone() throws {
        let json = """
            {"clients": [
              {"username": "dev1", "clientid": "dev1/sensor"},
              {"username": "dev2", "clientid": ""}
            ]}
            """
        let plan = try DynamicSecurityImport.plan(file: "dynsec.json", json: json)
        #expect(plan.devices.map(\.clientID) == [nil, nil])
        let notes = plan.notes.map(\.description)
        #expect(notes.contains { $0.hasPrefix("changes dynsec.json:2: client 'dev1' was bound to client id 'dev1/sensor', which Castellan cannot bind (invalid client id: client id holds a forbidden character (a bound client id is") }, "\(notes)")
        #expect(!notes.contains { $0.contains("dev2") && $0.contains("client id") }, "\(notes)")
    }

    @Test(arguments: [
        ("{\"clients\": [{\"username\": \"a\", \"clientid\": \"x\"},\n{\"username\": \"b\", \"clientid\": \"x\"}]}", "dynsec.json:1: client 'b': client id 'x' is also client 'a's client id or username"),
        ("{\"clients\": [{\"username\": \"a\"},\n{\"username\": \"b\", \"clientid\": \"a\"}]}", "dynsec.json:1: client 'b': client id 'a' is also client 'a's client id or username"),
    ])
    func aClientIDTwoClientsWouldShare_isRefused(_ json: String, _ message: String) {
        #expect(throws: (any Error).self) { try DynamicSecurityImport.plan(file: "dynsec.json", json: json) }
        do {
            _ = try DynamicSecurityImport.plan(file: "dynsec.json", json: json)
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }

    @Test(arguments: [
        ("{\"users\": []}", "dynsec.json: not a dynamic-security configuration: no \"clients\" array"),
        ("[1, 2]", "dynsec.json: not a dynamic-security configuration"),
        ("{\"clients\": [{\"username\": \"dev1\", \"encoded_password\": \"$7$101$abc\"}]}", "dynsec.json:1: client 'dev1': malformed password hash"),
        ("not json", "dynsec.json: not a dynamic-security configuration: not valid JSON"),
    ])
    func notADynamicSecurityFile_isRefused(_ json: String, _ message: String) {
        do {
            _ = try DynamicSecurityImport.plan(file: "dynsec.json", json: json)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }
}
