import Testing
@testable import Supervision

/// `renderTree()`: the text `castellan tree` prints.
@Suite struct SpecRenderTests {
    let loader = SupervisionSpecLoader(workerTypes: ["ticker", "flaky", "scram"])

    @Test func nestedTree_rendersWithBranchesStrategiesAndPools() throws {
        let yaml = """
            supervisor:
              id: castellan
              intensity: 5
              period: 10s
              children:
                - id: ticker
                  worker: ticker
                  shutdown: 500ms
                  options: {interval: 1s, burst: 2}
                - id: auth
                  supervisor:
                    strategy: rest_for_one
                    intensity: 3
                    period: 5s
                    auto_shutdown: any_significant
                    children:
                      - {id: scram, pool: {worker: scram, size: 8}}
                      - {id: job, worker: flaky, restart: transient, significant: true}
                - id: last
                  worker: flaky
                  restart: temporary
            """
        let expected = """
            castellan  supervisor one_for_one, intensity 5 in 10s
            ├─ ticker  worker ticker, permanent, shutdown 500ms, options {burst: 2, interval: 1s}
            ├─ auth  supervisor rest_for_one, intensity 3 in 5s, auto_shutdown any_significant, permanent, shutdown infinity
            │  ├─ scram  pool of 8 × scram, intensity 1 in 5s, permanent, shutdown infinity
            │  └─ job  worker flaky, transient, shutdown 5s, significant
            └─ last  worker flaky, temporary, shutdown 5s

            """
        #expect(try loader.parse(yaml, file: "t.yaml").renderTree() == expected)
    }

    @Test func lastNestedSupervisor_indentsItsChildrenWithoutAVerticalBar() throws {
        let yaml = """
            supervisor:
              id: root
              backoff: {min: 10ms, max: 1s, jitter: 0.2, reset_after: 30s}
              children:
                - id: sub
                  supervisor:
                    children:
                      - {id: p, pool: {worker: flaky, size: 4, options: {crash_rate: 0.3}}}
            """
        let expected = """
            root  supervisor one_for_one, intensity 1 in 5s, backoff 10ms..1s jitter 0.2 reset after 30s
            └─ sub  supervisor one_for_one, intensity 1 in 5s, permanent, shutdown infinity
               └─ p  pool of 4 × flaky, intensity 1 in 5s, permanent, shutdown infinity, options {crash_rate: 0.3}

            """
        #expect(try loader.parse(yaml, file: "t.yaml").renderTree() == expected)
    }

    @Test func supervisorWithoutChildren_rendersOneLine() throws {
        let spec = try loader.parse("supervisor: {id: lone, strategy: one_for_all, children: []}", file: "t.yaml")
        #expect(spec.renderTree() == "lone  supervisor one_for_all, intensity 1 in 5s\n")
    }
}
