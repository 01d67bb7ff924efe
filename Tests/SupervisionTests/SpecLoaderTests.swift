import Foundation
import Testing
@testable import Supervision

/// Parsing valid specs: the exact model, the defaults, and the shipped demo spec.
@Suite struct SpecLoaderTests {
    let loader = SupervisionSpecLoader(workerTypes: ["ticker", "flaky", "scram"])

    @Test func fullSpec_parsesIntoTheExactModel() throws {
        let yaml = """
            supervisor:
              id: castellan
              strategy: one_for_one
              intensity: 5
              period: 10s
              auto_shutdown: any_significant
              backoff: {min: 10ms, max: 1s, jitter: 0.5, reset_after: 30s}
              children:
                - id: ticker
                  worker: ticker
                  restart: transient
                  shutdown: 500ms
                  significant: true
                  options: {interval: 1s, label: "tick tock"}
                - id: auth
                  restart: permanent
                  supervisor:
                    strategy: rest_for_one
                    intensity: 3
                    period: 5s
                    children:
                      - id: scram
                        pool: {worker: scram, size: 8, options: {rounds: 4096}}
                        shutdown: 2m
                - id: once
                  worker: flaky
                  restart: temporary
                  shutdown: infinity
            """
        let spec = try loader.parse(yaml, file: "full.yaml")
        func at(_ line: Int, _ column: Int) -> SpecLocation { SpecLocation(file: "full.yaml", line: line, column: column) }
        let expected = SupervisorSpec(
            id: "castellan",
            strategy: .oneForOne,
            intensity: RestartIntensity(maxRestarts: 5, within: .seconds(10)),
            autoShutdown: .anySignificant,
            backoff: RestartBackoff(min: .milliseconds(10), max: .seconds(1), jitter: 0.5, resetAfter: .seconds(30)),
            children: [
                ChildSpecNode(
                    id: "ticker", kind: .worker(type: "ticker", options: ["interval": "1s", "label": "tick tock"]),
                    restart: .transient, shutdown: .timeout(.milliseconds(500)), significant: true, location: at(9, 7)),
                ChildSpecNode(
                    id: "auth",
                    kind: .supervisor(
                        SupervisorSpec(
                            id: "auth", strategy: .restForOne,
                            intensity: RestartIntensity(maxRestarts: 3, within: .seconds(5)),
                            children: [
                                ChildSpecNode(
                                    id: "scram", kind: .pool(PoolSpec(worker: "scram", size: 8, options: ["rounds": "4096"])),
                                    shutdown: .timeout(.seconds(120)), location: at(22, 13))
                            ],
                            location: at(18, 9))),
                    restart: .permanent, location: at(15, 7)),
                ChildSpecNode(
                    id: "once", kind: .worker(type: "flaky", options: [:]), restart: .temporary,
                    shutdown: .infinity, location: at(25, 7)),
            ],
            location: at(2, 3))
        #expect(spec == expected)
    }

    @Test func omittedKeys_takeOTPDefaults() throws {
        let yaml = """
            supervisor:
              id: root
              children:
                - id: w
                  worker: ticker
                - id: sub
                  supervisor: {children: []}
                - id: p
                  pool: {worker: flaky, size: 2}
            """
        let spec = try loader.parse(yaml, file: "defaults.yaml")
        #expect(spec.strategy == .oneForOne)
        #expect(spec.intensity == RestartIntensity(maxRestarts: 1, within: .seconds(5)))
        #expect(spec.autoShutdown == .never)
        #expect(spec.backoff == nil)
        let worker = try #require(spec.children.first)
        #expect(worker.restart == .permanent)
        #expect(worker.shutdown == .workerDefault)
        #expect(worker.significant == false)
        #expect(worker.kind == .worker(type: "ticker", options: [:]))
        #expect(spec.children[1].shutdown == .infinity)
        #expect(spec.children[2].shutdown == .infinity)
        #expect(spec.children[2].kind == .pool(PoolSpec(worker: "flaky", size: 2, options: [:])))
        guard case .supervisor(let nested) = spec.children[1].kind else {
            Issue.record("expected a nested supervisor")
            return
        }
        #expect(nested.id == "sub")
        #expect(nested.intensity == .otpDefault)
        #expect(nested.children.isEmpty)
    }

    @Test func backoffWithoutJitter_defaultsJitterToTwentyPercent() throws {
        let yaml = """
            supervisor:
              id: root
              backoff: {min: 1, max: 2.5, reset_after: 1h}
              children: []
            """
        let backoff = try #require(try loader.parse(yaml, file: "b.yaml").backoff)
        #expect(backoff == RestartBackoff(min: .seconds(1), max: .milliseconds(2500), jitter: 0.2, resetAfter: .seconds(3600)))
    }

    @Test func significantTransientChild_underAllSignificant_isAccepted() throws {
        let yaml = """
            supervisor:
              id: root
              auto_shutdown: all_significant
              children:
                - {id: job, worker: ticker, restart: transient, significant: true}
            """
        let spec = try loader.parse(yaml, file: "s.yaml")
        #expect(spec.children[0].significant)
        #expect(spec.autoShutdown == .allSignificant)
    }

    @Test func demoSpecShippedInTheRepository_loads() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("supervision/demo.yaml").path
        let spec = try SupervisionSpecLoader(workerTypes: ["ticker", "flaky"]).load(contentsOf: path)
        #expect(spec.id == "castellan")
        #expect(spec.strategy == .oneForOne)
        #expect(spec.children.map(\.id) == ["ticker", "workers"])
        #expect(spec.children[0].kind == .worker(type: "ticker", options: ["interval": "1s"]))
        guard case .supervisor(let workers) = spec.children[1].kind else {
            Issue.record("expected the workers supervisor")
            return
        }
        #expect(workers.strategy == .oneForOne)
        #expect(workers.children.first?.kind == .pool(PoolSpec(
            worker: "flaky", size: 4, options: ["crash_rate": "0.3", "interval": "500ms"],
            intensity: RestartIntensity(maxRestarts: 60, within: .seconds(10)))))
    }

    @Test func load_readsTheFileAndNamesItInLocations() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString).yaml").path
        try "supervisor:\n  id: r\n  children: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = try loader.load(contentsOf: path)
        #expect(spec.location == SpecLocation(file: path, line: 2, column: 3))
    }
}

/// The examples in docs/supervision-specs.md stay valid.
@Suite struct SpecDocumentationTests {
    @Test func everyYAMLExampleInTheSpecGuide_loads() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("docs/supervision-specs.md"), encoding: .utf8)
        let blocks = guide.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count == 2)
        let loader = SupervisionSpecLoader(workerTypes: ["ticker", "scram", "totp", "migrate"])
        for block in blocks {
            let spec = try loader.parse(block, file: "docs/supervision-specs.md")
            #expect(!spec.children.isEmpty)
        }
    }
}
