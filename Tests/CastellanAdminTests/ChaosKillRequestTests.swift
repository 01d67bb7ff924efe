import CastellanAdmin
import Testing

@Suite struct ChaosKillRequestTests {
    @Test func aPath_parses() throws {
        #expect(try ChaosKillRequest(json: Array("{\"path\": \"/castellan/auth/scram/1\"}".utf8)) == .path("/castellan/auth/scram/1"))
    }

    @Test func randomUnderAPath_parses() throws {
        #expect(try ChaosKillRequest(json: Array("{\"random\": 3, \"under\": \"/castellan/auth\"}".utf8))
            == .random(count: 3, under: "/castellan/auth"))
        #expect(try ChaosKillRequest(json: Array("{\"random\": 1}".utf8)) == .random(count: 1, under: nil))
    }

    @Test func anUnknownField_isNamedInTheMessage() {
        do {
            _ = try ChaosKillRequest(json: Array("{\"path\": \"/a\", \"force\": true}".utf8))
            Issue.record("an unknown field was accepted")
        } catch let error as ChaosRequestError {
            #expect(error.message == "unknown field `force`; known: `path`, `random`, `under`")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite struct ServerSentEventParserTests {
    @Test func messagesSplitAcrossChunks_areJoined_andCommentsSkipped() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array(": hello\n\nevent: child_exited\nda".utf8)).isEmpty)
        let messages = parser.feed(Array("ta: {\"a\":1}\n\nevent: x\ndata: 2\n\n".utf8))
        #expect(messages == [.init(event: "child_exited", data: "{\"a\":1}"), .init(event: "x", data: "2")])
    }
}
