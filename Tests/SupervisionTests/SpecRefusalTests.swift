import Foundation
import Testing
@testable import Supervision

/// Every way a spec is refused: each names the file, the line and the dotted field at fault.
@Suite struct SpecRefusalTests {
    let loader = SupervisionSpecLoader(workerTypes: ["ticker", "flaky"])

    private func refusal(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> SpecError? {
        do {
            let spec = try loader.parse(yaml, file: "bad.yaml")
            Issue.record("spec was accepted: \(spec)", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.file == "bad.yaml", sourceLocation: sourceLocation)
            return error
        }
    }

    /// A valid root whose children list is `children`, indented for the `children:` key.
    private func withChildren(_ children: String, flags: String = "") -> String {
        "supervisor:\n  id: root\n\(flags)  children:\n\(children)"
    }

    // MARK: YAML itself

    @Test func yamlSyntaxError_isRefusedWithItsPosition() throws {
        let error = try #require(refusal("supervisor:\n  id: root\n  children: [a, b\n"))
        #expect(error.line == 4)
        #expect(error.field == "")
        #expect(error.message.hasPrefix("YAML syntax error"))
    }

    @Test func duplicateYAMLKey_isRefused() throws {
        let error = try #require(refusal("supervisor:\n  id: root\n  id: again\n  children: []\n"))
        #expect(error.message.contains("duplicate key 'id'"))
        #expect(error.line >= 2)
    }

    @Test func emptyDocument_isRefused() throws {
        let error = try #require(refusal("# nothing here\n"))
        #expect(error.field == "supervisor")
        #expect(error.message.contains("empty"))
    }

    @Test func documentThatIsNotAMapping_isRefused() throws {
        let error = try #require(refusal("- supervisor\n"))
        #expect(error.field == "")
        #expect(error.line == 1)
        #expect(error.message.contains("expected a mapping"))
    }

    @Test func unreadableFile_isRefusedNamingTheFile() throws {
        do {
            _ = try loader.load(contentsOf: "/nonexistent/castellan-spec.yaml")
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.file == "/nonexistent/castellan-spec.yaml")
            #expect(error.line == 0)
            #expect(error.message.contains("cannot read"))
            #expect(error.description.hasPrefix("/nonexistent/castellan-spec.yaml: cannot read"))
        }
    }

    @Test func fileThatIsNotUTF8_isRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString).yaml").path
        try Data([0x73, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try loader.load(contentsOf: path)
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.message.contains("UTF-8"))
        }
    }

    // MARK: Missing and unknown keys

    @Test func missingRootID_isRefusedAtTheSupervisorMapping() throws {
        let error = try #require(refusal("supervisor:\n  strategy: one_for_one\n  children: []\n"))
        #expect(error.field == "supervisor.id")
        #expect(error.line == 2)
        #expect(error.message.contains("missing required key 'id'"))
    }

    @Test func missingChildren_isRefused() throws {
        let error = try #require(refusal("supervisor:\n  id: root\n"))
        #expect(error.field == "supervisor.children")
        #expect(error.line == 2)
    }

    @Test func missingChildID_isRefused() throws {
        let error = try #require(refusal(withChildren("    - worker: ticker\n")))
        #expect(error.field == "supervisor.children[0].id")
        #expect(error.line == 4)
    }

    @Test func missingPoolSize_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool: {worker: flaky}\n")))
        #expect(error.field == "supervisor.children[0].pool.size")
        #expect(error.line == 5)
    }

    @Test func missingBackoffResetAfter_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  backoff: {min: 1s, max: 2s}\n")))
        #expect(error.field == "supervisor.backoff.reset_after")
        #expect(error.line == 3)
    }

    @Test func unknownTopLevelKey_isRefused() throws {
        let error = try #require(refusal("supervisor:\n  id: root\n  children: []\nworkers: {}\n"))
        #expect(error.field == "workers")
        #expect(error.line == 4)
        #expect(error.message.contains("unknown key 'workers'"))
    }

    @Test func unknownSupervisorKey_isRefusedAsATypoNotAsAMissingKey() throws {
        let error = try #require(refusal("supervisor:\n  id: root\n  stratgy: one_for_all\n  children: []\n"))
        #expect(error.field == "supervisor.stratgy")
        #expect(error.line == 3)
        #expect(error.column == 3)
        #expect(error.message.contains("allowed here"))
    }

    @Test func unknownChildKey_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: t\n      worker: ticker\n      restarts: 3\n")))
        #expect(error.field == "supervisor.children[0].restarts")
        #expect(error.line == 6)
    }

    @Test func unknownPoolKey_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool: {worker: flaky, size: 2, max: 3}\n")))
        #expect(error.field == "supervisor.children[0].pool.max")
        #expect(error.line == 5)
    }

    @Test func unknownBackoffKey_isRefused() throws {
        let flags = "  backoff: {min: 1s, max: 2s, reset_after: 5s, factor: 2}\n"
        let error = try #require(refusal(withChildren("    []\n", flags: flags)))
        #expect(error.field == "supervisor.backoff.factor")
        #expect(error.line == 3)
    }

    @Test func nestedSupervisorWithItsOwnID_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: sub\n      supervisor:\n        id: other\n        children: []\n")))
        #expect(error.field == "supervisor.children[0].supervisor.id")
        #expect(error.line == 6)
        #expect(error.message.contains("from its child entry"))
    }

    @Test func optionsBesideAPool_areRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool: {worker: flaky, size: 2}\n      options: {a: b}\n")))
        #expect(error.field == "supervisor.children[0].options")
        #expect(error.line == 6)
        #expect(error.message.contains("inside 'pool:'"))
    }

    // MARK: Wrong types

    @Test func childrenAsAMapping_isRefused() throws {
        let error = try #require(refusal("supervisor:\n  id: root\n  children: {a: b}\n"))
        #expect(error.field == "supervisor.children")
        #expect(error.line == 3)
        #expect(error.message.contains("expected a list"))
    }

    @Test func intensityAsWords_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  intensity: five\n")))
        #expect(error.field == "supervisor.intensity")
        #expect(error.line == 3)
        #expect(error.message.contains("whole number"))
    }

    @Test func poolSizeAsAList_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool:\n        worker: flaky\n        size: [4]\n")))
        #expect(error.field == "supervisor.children[0].pool.size")
        #expect(error.line == 7)
    }

    @Test func optionValueThatIsAMapping_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: t\n      worker: ticker\n      options:\n        interval: {s: 1}\n")))
        #expect(error.field == "supervisor.children[0].options.interval")
        #expect(error.line == 7)
    }

    @Test func significantAsYes_isRefused() throws {
        let child = "    - {id: t, worker: ticker, restart: transient, significant: yes}\n"
        let error = try #require(refusal(withChildren(child, flags: "  auto_shutdown: any_significant\n")))
        #expect(error.field == "supervisor.children[0].significant")
        #expect(error.line == 5)
        #expect(error.message.contains("true or false"))
    }

    @Test func nullWorkerType_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: t\n      worker:\n")))
        #expect(error.field == "supervisor.children[0].worker")
        #expect(error.message.contains("null"))
    }

    // MARK: Unknown values

    @Test func unknownStrategy_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  strategy: simple_one_for_one\n")))
        #expect(error.field == "supervisor.strategy")
        #expect(error.line == 3)
        #expect(error.message.contains("unknown strategy 'simple_one_for_one'"))
    }

    @Test func unknownRestartType_isRefused() throws {
        let error = try #require(refusal(withChildren("    - {id: t, worker: ticker, restart: always}\n")))
        #expect(error.field == "supervisor.children[0].restart")
        #expect(error.line == 4)
        #expect(error.message.contains("unknown restart type 'always'"))
    }

    @Test func unknownAutoShutdown_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  auto_shutdown: sometimes\n")))
        #expect(error.field == "supervisor.auto_shutdown")
        #expect(error.line == 3)
    }

    @Test func unknownWorkerType_isRefusedListingTheKnownOnes() throws {
        let error = try #require(refusal(withChildren("    - id: t\n      worker: tickr\n")))
        #expect(error.field == "supervisor.children[0].worker")
        #expect(error.line == 5)
        #expect(error.column == 15)
        #expect(error.message == "unknown worker type 'tickr' (known: flaky, ticker)")
    }

    @Test func unknownPoolWorkerType_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool:\n        worker: scram\n        size: 2\n")))
        #expect(error.field == "supervisor.children[0].pool.worker")
        #expect(error.line == 6)
    }

    // MARK: Ids

    @Test func duplicateSiblingID_isRefusedAtTheSecondOne() throws {
        let error = try #require(refusal(withChildren("    - {id: t, worker: ticker}\n    - {id: u, worker: ticker}\n    - {id: t, worker: flaky}\n")))
        #expect(error.field == "supervisor.children[2].id")
        #expect(error.line == 6)
        #expect(error.message.contains("duplicate child id 't'"))
        #expect(error.message.contains("line 4"))
    }

    @Test func sameIDUnderDifferentSupervisors_isAccepted() throws {
        let yaml = withChildren("    - {id: t, worker: ticker}\n    - id: sub\n      supervisor: {children: [{id: t, worker: ticker}]}\n")
        let spec = try loader.parse(yaml, file: "ok.yaml")
        #expect(spec.children.count == 2)
    }

    @Test func emptyID_isRefused() throws {
        let error = try #require(refusal(withChildren("    - {id: '', worker: ticker}\n")))
        #expect(error.field == "supervisor.children[0].id")
        #expect(error.line == 4)
        #expect(error.message.contains("empty"))
    }

    @Test func idWithASlash_isRefused() throws {
        let error = try #require(refusal("supervisor:\n  id: a/b\n  children: []\n"))
        #expect(error.field == "supervisor.id")
        #expect(error.line == 2)
        #expect(error.message.contains("'/'"))
    }

    @Test func idWithWhitespace_isRefused() throws {
        let error = try #require(refusal(withChildren("    - {id: 'two words', worker: ticker}\n")))
        #expect(error.field == "supervisor.children[0].id")
        #expect(error.line == 4)
        #expect(error.message.contains("whitespace"))
    }

    @Test func idWithATab_isRefused() throws {
        let error = try #require(refusal(withChildren("    - {id: \"a\\tb\", worker: ticker}\n")))
        #expect(error.field == "supervisor.children[0].id")
        #expect(error.message.contains("whitespace"))
    }

    @Test func dotDotID_isRefused() throws {
        let error = try #require(refusal(withChildren("    - {id: '..', worker: ticker}\n")))
        #expect(error.field == "supervisor.children[0].id")
    }

    // MARK: Pools

    @Test func poolSizeZero_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool:\n        worker: flaky\n        size: 0\n")))
        #expect(error.field == "supervisor.children[0].pool.size")
        #expect(error.line == 7)
        #expect(error.message.contains("between 1 and 10000"))
    }

    @Test func negativePoolSize_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool:\n        worker: flaky\n        size: -3\n")))
        #expect(error.field == "supervisor.children[0].pool.size")
        #expect(error.line == 7)
    }

    @Test func poolSizeAboveTheCap_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: p\n      pool:\n        worker: flaky\n        size: 10001\n")))
        #expect(error.field == "supervisor.children[0].pool.size")
        #expect(error.line == 7)
    }

    @Test func poolSizeAtTheCap_isAccepted() throws {
        let spec = try loader.parse(withChildren("    - {id: p, pool: {worker: flaky, size: 10000}}\n"), file: "ok.yaml")
        #expect(spec.children[0].kind == .pool(PoolSpec(worker: "flaky", size: 10_000, options: [:])))
    }

    // MARK: Child kind

    @Test func childWithWorkerAndPool_isRefusedAtTheSecondKind() throws {
        let error = try #require(refusal(withChildren("    - id: t\n      worker: ticker\n      pool: {worker: flaky, size: 2}\n")))
        #expect(error.field == "supervisor.children[0].pool")
        #expect(error.line == 6)
        #expect(error.message.contains("exactly one of"))
    }

    @Test func childWithNoKind_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: t\n      restart: transient\n")))
        #expect(error.field == "supervisor.children[0]")
        #expect(error.line == 4)
        #expect(error.message.contains("one of 'worker', 'supervisor' or 'pool'"))
    }

    // MARK: Significant children

    @Test func significantPermanentChild_isRefused() throws {
        let child = "    - id: t\n      worker: ticker\n      significant: true\n"
        let error = try #require(refusal(withChildren(child, flags: "  auto_shutdown: any_significant\n")))
        #expect(error.field == "supervisor.children[0].significant")
        #expect(error.line == 7)
        #expect(error.message.contains("permanent child cannot be significant"))
    }

    @Test func significantChildUnderAutoShutdownNever_isRefusedAsOTPDoes() throws {
        let child = "    - id: t\n      worker: ticker\n      restart: temporary\n      significant: true\n"
        let error = try #require(refusal(withChildren(child)))
        #expect(error.field == "supervisor.children[0].significant")
        #expect(error.line == 7)
        #expect(error.message.contains("auto_shutdown"))
    }

    // MARK: Intensity, durations and backoff

    @Test func negativeIntensity_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  intensity: -1\n")))
        #expect(error.field == "supervisor.intensity")
        #expect(error.line == 3)
        #expect(error.message.contains("negative"))
    }

    @Test func zeroPeriod_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  period: 0s\n")))
        #expect(error.field == "supervisor.period")
        #expect(error.line == 3)
        #expect(error.message.contains("longer than zero"))
    }

    @Test func negativePeriod_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  intensity: 2\n  period: -5s\n")))
        #expect(error.field == "supervisor.period")
        #expect(error.line == 4)
        #expect(error.message.contains("negative"))
    }

    @Test func badShutdownDuration_isRefused() throws {
        let error = try #require(refusal(withChildren("    - id: t\n      worker: ticker\n      shutdown: 5 seconds\n")))
        #expect(error.field == "supervisor.children[0].shutdown")
        #expect(error.line == 6)
        #expect(error.message.contains("expected a duration"))
    }

    @Test func nestedBadPeriod_namesTheNestedPath() throws {
        let child = "    - id: sub\n      supervisor:\n        period: 10 s\n        children: []\n"
        let error = try #require(refusal(withChildren(child)))
        #expect(error.field == "supervisor.children[0].supervisor.period")
        #expect(error.line == 6)
    }

    @Test func infinityAsAPeriod_isRefused() throws {
        let error = try #require(refusal(withChildren("    []\n", flags: "  period: infinity\n")))
        #expect(error.field == "supervisor.period")
        #expect(error.line == 3)
        #expect(error.message.contains("only allowed for shutdown"))
    }

    @Test func infinityAsABackoffMaximum_isRefused() throws {
        let flags = "  backoff:\n    min: 1s\n    max: infinity\n    reset_after: 1m\n"
        let error = try #require(refusal(withChildren("    []\n", flags: flags)))
        #expect(error.field == "supervisor.backoff.max")
        #expect(error.line == 5)
    }

    @Test func backoffMinimumAboveMaximum_isRefused() throws {
        let flags = "  backoff:\n    min: 2s\n    max: 500ms\n    reset_after: 1m\n"
        let error = try #require(refusal(withChildren("    []\n", flags: flags)))
        #expect(error.field == "supervisor.backoff.max")
        #expect(error.line == 5)
        #expect(error.message.contains("shorter than min"))
    }

    @Test func backoffJitterAboveOne_isRefused() throws {
        let flags = "  backoff: {min: 1s, max: 2s, jitter: 1.5, reset_after: 5s}\n"
        let error = try #require(refusal(withChildren("    []\n", flags: flags)))
        #expect(error.field == "supervisor.backoff.jitter")
        #expect(error.line == 3)
    }

    @Test func zeroBackoffMinimum_isRefused() throws {
        let flags = "  backoff: {min: 0ms, max: 2s, reset_after: 5s}\n"
        let error = try #require(refusal(withChildren("    []\n", flags: flags)))
        #expect(error.field == "supervisor.backoff.min")
    }

    // MARK: Size limits

    @Test func supervisorsNestedTooDeep_areRefused() throws {
        var yaml = "supervisor:\n  id: root\n  children:\n"
        var indent = "    "
        for level in 0..<40 {
            yaml += "\(indent)- id: s\(level)\n\(indent)  supervisor:\n\(indent)    children:\n"
            indent += "      "
        }
        yaml += "\(indent)[]\n"
        let error = try #require(refusal(yaml))
        #expect(error.message.contains("nested more than 32 deep"))
        #expect(error.field.hasSuffix(".supervisor"))
    }

    @Test func aliasExpansionBeyondTheChildLimit_isRefused() throws {
        let yaml = "supervisor:\n  id: root\n  children:\n    - id: bomb\n      supervisor: \(aliasBomb())\n"
        let error = try #require(refusal(yaml))
        #expect(error.message.contains("more than 10000 children"))
    }

    /// Ten distinct ids per level, each aliasing the level below: 10^6 children in one line.
    private func aliasBomb() -> String {
        var body = "&l0 {children: []}"
        for level in 1...6 {
            let first = "{id: c0, supervisor: \(body)}"
            let rest = (1..<10).map { "{id: c\($0), supervisor: *l\(level - 1)}" }.joined(separator: ", ")
            body = "&l\(level) {children: [\(first), \(rest)]}"
        }
        return body
    }

    // MARK: Rendering of errors

    @Test func description_readsFileLineColumnFieldMessage() {
        let error = SpecError(file: "s.yaml", line: 3, column: 7, field: "supervisor.children[1].pool.size", message: "pool size must be between 1 and 10000, found 0")
        #expect(error.description == "s.yaml:3:7: supervisor.children[1].pool.size: pool size must be between 1 and 10000, found 0")
    }
}
