import Dispatch
import Foundation
import Glibc
import SupervisionTesting
import Testing

/// The shipped smoke scenario, run by the real `castellan` binary against a real service and a
/// real mosquitto with the plugin (`make test` builds both first).
///
/// Enabled by `CASTELLAN_CHAOS_SMOKE=1`, which `make test` sets in a step of its own after the
/// other suites: a load test beside timing-sensitive suites would disturb them and be disturbed.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CASTELLAN_CHAOS_SMOKE"] != nil,
                "a load test: `make test` runs it alone, after the other suites"))
struct SmokeScenarioTests {
    static let executable = ChaosScenarioLoaderTests.repository + "/.build/debug/castellan"
    static let plugin = ChaosScenarioLoaderTests.repository + "/.build-plugin/castellan_mosquitto.so"
    /// Far beyond the scenario's 16 s plus set-up; only a hung run reaches it (and is SIGKILLed).
    static let limit = 180.0

    @Test func theSmokeScenario_passesEveryInvariant_withKillsAndValidGrants() throws {
        try #require(FileManager.default.fileExists(atPath: Self.plugin), "run `make plugin` (make test does)")
        let directory = TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.currentDirectoryURL = URL(fileURLWithPath: ChaosScenarioLoaderTests.repository)
        process.arguments = ["chaos", "run", "--scenario", "supervision/chaos/smoke.yaml", "--json",
                             "--dir", directory.file("run"), "--plugin", Self.plugin]
        let output = Pipe()
        process.standardOutput = output
        FileManager.default.createFile(atPath: directory.file("stderr"), contents: nil)
        process.standardError = FileHandle(forWritingAtPath: directory.file("stderr"))
        try launch(process)
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.limit) { if process.isRunning { kill(pid, SIGKILL) } }
        // The report arrives when the run ends: reading to the end of its output is the wait.
        let data = readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        let errors = (try? String(contentsOfFile: directory.file("stderr"), encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(String(decoding: data, as: UTF8.self))\n\(errors)")

        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(errors)")
        #expect(report["passed"] as? Bool == true)
        let invariants = try #require(report["invariants"] as? [[String: Any]])
        #expect(invariants.count == 7)
        for invariant in invariants {
            #expect(invariant["passed"] as? Bool == true, "\(invariant["name"] ?? "?"): \(invariant["detail"] ?? "")")
        }
        let faults = try #require(report["faults"] as? [String: Any])
        #expect((faults["kills"] as? Int ?? 0) > 0)
        let rows = try #require(report["attempts"] as? [[String: Any]])
        let validGrants = rows.filter { $0["credential"] as? String == "valid" }.reduce(0) { $0 + ($1["granted"] as? Int ?? 0) }
        #expect(validGrants > 0)
        let wrongGrants = rows.filter { $0["credential"] as? String != "valid" }.reduce(0) { $0 + ($1["granted"] as? Int ?? 0) }
        #expect(wrongGrants == 0)
    }
}
