import Testing
@testable import Supervision
import SupervisionTesting

/// Mutated specs never trap the loader: each is either accepted or refused with a positioned error.
@Suite struct SpecFuzzTests {
    private static let seedSpec = """
        supervisor:
          id: castellan
          strategy: rest_for_one
          intensity: 5
          period: 10s
          auto_shutdown: any_significant
          backoff: {min: 10ms, max: 1s, jitter: 0.2, reset_after: 30s}
          children:
            - id: ticker
              worker: ticker
              restart: transient
              shutdown: 500ms
              significant: true
              options: {interval: 1s}
            - id: workers
              supervisor:
                strategy: one_for_one
                intensity: 20
                period: 10s
                children:
                  - id: flaky
                    pool: {worker: flaky, size: 4, options: {crash_rate: 0.3}}
        """

    private static let alphabet: [Character] = Array(":-[]{}&*!'\"#|>%@,?~. \t\n09azé\u{0}") + ["infinity", "-1", "10001"].flatMap { Array($0) }

    @Test func twoThousandMutatedSpecs_areAcceptedOrRefusedWithoutTrapping() {
        var random = SeededRandom(seed: 0xCA57E11A)
        let loader = SupervisionSpecLoader(workerTypes: ["ticker", "flaky"])
        let lineCount = Self.seedSpec.split(separator: "\n", omittingEmptySubsequences: false).count
        var accepted = 0
        for _ in 0..<2_000 {
            var characters = Array(Self.seedSpec)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<characters.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: characters[index] = Self.alphabet.randomElement(using: &random)!
                case 1: characters.remove(at: index)
                default: characters.insert(Self.alphabet.randomElement(using: &random)!, at: index)
                }
            }
            do {
                _ = try loader.parse(String(characters), file: "fuzz.yaml")
                accepted += 1
            } catch {
                #expect(!error.message.isEmpty)
                #expect((0...lineCount + 2).contains(error.line), "\(error)")
            }
        }
        // Some mutations keep the spec valid (a digit of a duration, say); most do not.
        #expect(accepted > 0)
        #expect(accepted < 2_000)
    }
}
